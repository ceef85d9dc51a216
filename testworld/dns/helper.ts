/**
 * The testworld's two odd servers, run as one small child process (so that a detached testworld
 * keeps them after the starting process exits):
 * - the silent resolver ({net}.0.9:53, UDP and TCP): accepts queries and connections, never answers;
 * - the REFUSED name server ({net}.0.66:53, UDP and TCP): answers REFUSED to every query.
 * It prints "ready" once every socket is bound, or "error: …" and exits.
 *
 * Guardian: when not detached, it also watches the process that started the testworld; should that
 * process die without calling stop() (a crashed or killed test file), the helper kills the daemons
 * listed in <dir>/pids.json, removes the slot lock it still owns and the dir (unless keepDir), and exits.
 */

/** Plain CommonJS, written to <dir>/helper.cjs: no imports beyond node's own. Config in env MAILSEC_TW_HELPER. */
export const HELPER_SCRIPT = String.raw`
const dgram = require('node:dgram');
const net = require('node:net');
const cfg = JSON.parse(process.env.MAILSEC_TW_HELPER);
const held = [];
function refusedReply(q) {
  if (q.length < 12) return null;
  let i = 12;
  while (i < q.length && q[i] !== 0) {
    if ((q[i] & 0xc0) !== 0) return null;
    i += q[i] + 1;
  }
  i += 5;
  const qd = q.readUInt16BE(4);
  if (qd !== 1 || i > q.length) i = 12;
  const r = Buffer.from(q.subarray(0, i));
  r[2] = 0x80 | (q[2] & 0x79);
  r[3] = 5;
  r.writeUInt16BE(i === 12 ? 0 : 1, 4);
  r.writeUInt16BE(0, 6);
  r.writeUInt16BE(0, 8);
  r.writeUInt16BE(0, 10);
  return r;
}
function fail(e) {
  process.stdout.write('error: ' + (e && e.message ? e.message : String(e)) + '\n');
  process.exit(1);
}
function udp(address, answer) {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.on('error', reject);
    s.on('message', (msg, rinfo) => {
      if (!answer) return;
      const r = refusedReply(msg);
      if (r) s.send(r, rinfo.port, rinfo.address);
    });
    s.bind(53, address, () => { s.removeListener('error', reject); s.on('error', () => {}); resolve(); });
  });
}
function tcp(address, answer) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer((sock) => {
      held.push(sock);
      sock.on('error', () => {});
      let buf = Buffer.alloc(0);
      sock.on('data', (d) => {
        if (!answer) return;
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2) {
          const n = buf.readUInt16BE(0);
          if (buf.length < 2 + n) break;
          const r = refusedReply(buf.subarray(2, 2 + n));
          buf = buf.subarray(2 + n);
          if (r) { const l = Buffer.alloc(2); l.writeUInt16BE(r.length); sock.write(Buffer.concat([l, r])); }
        }
      });
    });
    srv.on('error', reject);
    srv.listen(53, address, () => { srv.removeListener('error', reject); resolve(); });
  });
}
Promise.all([udp(cfg.silent, false), tcp(cfg.silent, false), udp(cfg.refused, true), tcp(cfg.refused, true)])
  .then(() => { try { process.stdout.write('ready\n'); } catch {} }, fail);
process.on('SIGTERM', () => process.exit(0));
process.stdout.on('error', () => {});
const fs = require('node:fs');
function alive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}
if (cfg.watchPid) {
  const timer = setInterval(() => {
    if (alive(cfg.watchPid)) return;
    clearInterval(timer);
    let pids = [];
    try { pids = JSON.parse(fs.readFileSync(cfg.dir + '/pids.json', 'utf8')); } catch {}
    for (const p of pids) { if (p !== process.pid) try { process.kill(p, 'SIGTERM'); } catch {} }
    setTimeout(() => {
      for (const p of pids) { if (p !== process.pid) try { process.kill(p, 'SIGKILL'); } catch {} }
      try {
        const owner = fs.readFileSync(cfg.lock + '/owner', 'utf8').trim().split(' ')[0];
        if (Number(owner) === cfg.watchPid) fs.rmSync(cfg.lock, { recursive: true, force: true });
      } catch {}
      if (!cfg.keepDir) try { fs.rmSync(cfg.dir, { recursive: true, force: true }); } catch {}
      process.exit(0);
    }, 1000);
  }, 500);
}
`;
