// mailsec serve: the dashboard's only script (served as a file; the CSP forbids inline script).
// A live check's page waits for the check and reloads when it is done. Nothing else runs.
(() => {
  const job = document.getElementById('job');
  if (!job) return;
  const state = job.getAttribute('data-state');
  if (state !== 'queued' && state !== 'running') return;
  const id = job.getAttribute('data-job');
  if (!id) return;
  const poll = async () => {
    try {
      const r = await fetch(`/api/checks/${encodeURIComponent(id)}`, {
        headers: { accept: 'application/json' },
        credentials: 'same-origin',
      });
      if (r.ok) {
        const j = await r.json();
        if (j.state === 'done' || j.state === 'failed') {
          window.location.reload();
          return;
        }
      }
    } catch {
      // the server restarted or the network blinked: try again
    }
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 500);
})();
