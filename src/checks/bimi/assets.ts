import type { Finding } from '../../core/finding.ts';
import { undetermined } from '../../core/finding.ts';
import { statusFrom } from '../../core/status.ts';
import type { HttpResponse } from '../../net/https.ts';
import type { AssetCheck, BimiResult } from './check.ts';
import { bimiFindings as F } from './findings.ts';
import type { BimiAssets } from './gather.ts';
import { validateSvgTinyPs } from './svg.ts';
import { validateMarkCertificate } from './vmc.ts';

/**
 * Could not test (never a verdict on the domain): the resolver failed, the fetch timed out, the
 * connection was refused or broke, or the server answered 5xx. `skipped`: the address policy
 * forbade the connection, so nothing was sent.
 */
function notTested(r: HttpResponse): 'undetermined' | 'skipped' | null {
  if (r.outcome === 'refused-address') return 'skipped';
  if (['dns-error', 'timeout', 'refused', 'reset', 'unreachable', 'error'].includes(r.outcome))
    return 'undetermined';
  if (r.outcome === 'ok' && r.status !== null && r.status >= 500) return 'undetermined';
  return null;
}

function fetchProblem(r: HttpResponse): string | null {
  if (r.outcome !== 'ok') return `${r.outcome}${r.error ? ` (${r.error})` : ''}`;
  if (r.status !== null && r.status >= 300 && r.status < 400)
    return `HTTP ${r.status} redirect to ${r.location ?? '(no Location)'}`;
  if (r.status !== 200) return `HTTP ${r.status}`;
  return null;
}

/** Judges the fetched logo and mark certificate and folds them into the record's result. */
export function checkBimiAssets(
  result: BimiResult,
  assets: BimiAssets,
  o: { roots: string | null; now: Date },
): BimiResult {
  const e = result.evidence;
  const domain = e.foundAt ?? result.check;
  const name = `${e.selector}._bimi.${domain}`;
  const s = { domain, name };
  const findings: Finding[] = result.findings.filter((f) => f.id !== 'bimi.assets-not-checked');
  let svg: AssetCheck = e.svg;
  let certificate: AssetCheck & { logoMatches?: boolean | null } = e.certificate;
  let svgBytes: Buffer | null = null;
  let unknown = false;
  const untested = (r: HttpResponse, url: string): AssetCheck | null => {
    const why = notTested(r);
    if (!why) return null;
    const reason = fetchProblem(r) ?? r.outcome;
    if (why === 'undetermined') {
      unknown = true;
      findings.push(undetermined('bimi', `${url} could not be fetched: ${reason}`));
    } else if (!findings.some((f) => f.id === 'bimi.assets-not-checked'))
      findings.push(F.make('assets-not-checked', s));
    return { valid: null, problems: [`not fetched: ${reason}`] };
  };
  const svgUntested = assets.svg && e.location ? untested(assets.svg, e.location) : null;
  const pemUntested = assets.pem && e.authority ? untested(assets.pem, e.authority) : null;
  if (svgUntested) svg = svgUntested;
  else if (assets.svg && e.location) {
    const url = e.location;
    const bad = fetchProblem(assets.svg);
    if (assets.svg.outcome === 'too-large') {
      findings.push(F.make('svg-too-large', { ...s, url }));
      svg = { valid: false, problems: ['larger than 32 KB'] };
    } else if (bad) {
      findings.push(F.make('svg-unreachable', { ...s, url, reason: bad }));
      svg = { valid: false, problems: [`not fetched: ${bad}`] };
    } else {
      svgBytes = assets.svg.body ?? Buffer.alloc(0);
      const problems = validateSvgTinyPs(svgBytes.toString('utf8'));
      if (assets.svg.mediaType !== 'image/svg+xml')
        findings.push(F.make('svg-media-type', { ...s, url, mediaType: assets.svg.mediaType ?? '(none)' }));
      if (problems.length) findings.push(F.make('svg-invalid', { ...s, url, problems: problems.join('; ') }));
      svg = { valid: problems.length === 0, problems };
    }
  }
  if (pemUntested) certificate = pemUntested;
  else if (assets.pem && e.authority) {
    const url = e.authority;
    const bad = fetchProblem(assets.pem);
    if (bad) {
      findings.push(F.make('certificate-unreachable', { ...s, url, reason: bad }));
      certificate = { valid: false, problems: [`not fetched: ${bad}`] };
    } else {
      const v = validateMarkCertificate((assets.pem.body ?? Buffer.alloc(0)).toString('utf8'), {
        domain,
        selector: e.selector,
        roots: o.roots,
        now: o.now,
        svg: svgBytes,
      });
      certificate = { valid: v.valid, problems: v.problems, logoMatches: v.logoMatches };
      const days = v.notAfter ? Math.floor((Date.parse(v.notAfter) - o.now.getTime()) / 86_400_000) : null;
      // BIMI Group guidance: warn 30 days before expiry
      if (v.valid !== false && days !== null && days >= 0 && days < 30)
        findings.push(F.make('certificate-expiring', { ...s, url, notAfter: v.notAfter ?? '', days }));
      if (v.valid === false)
        findings.push(F.make('certificate-invalid', { ...s, url, problems: v.problems.join('; ') }));
      else if (v.valid === null) findings.push(F.make('certificate-not-verified', { ...s, url }));
    }
  }
  const deployed = result.status === 'error' || unknown ? 'unknown' : result.status !== 'absent';
  return {
    ...result,
    status: statusFrom(deployed, findings),
    evidence: { ...e, svg, certificate, assetsChecked: true },
    findings,
  };
}
