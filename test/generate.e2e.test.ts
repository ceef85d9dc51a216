/**
 * End to end for `mailsec generate` (issue 14): every kind generated with --for against the
 * testworld (testworld/scenarios/generate.ts), the output published into a second testworld (the
 * records into the zones, the MTA-STS policy onto the HTTPS host), then `mailsec check`: each
 * section passes with nothing beyond what its stage implies. Beside it: the refusals (MTA-STS
 * enforce with a wrong MX certificate, SPF over 10 lookups, unknown CAA issuers, BIMI without
 * DMARC enforcement), TLSA equal to ldns-dane's for 3 1 1 and 2 1 1 (the chain taken with
 * `openssl s_client -starttls smtp -showcerts`), and `check --fix` made by the same generators.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { GeneratedRecord, GenerateResult } from '../src/generate/types.ts';
import { fixedKeyFile } from '../testworld/ca.ts';
import { type HttpsHosts, startHttpsHosts } from '../testworld/https/index.ts';
import { startTestworld, type Testworld } from '../testworld/index.ts';
import { scenarios } from '../testworld/scenarios/index.ts';
import { type SmtpHosts, startSmtpHosts } from '../testworld/smtp/index.ts';
import { LOOPBACK_V4, runCli, runMain } from './helpers.ts';
import { publish } from './publish.ts';

type Doc = Record<string, unknown> & {
  domain: string;
  findings: { id: string; check: string; severity: string; message: string; fix?: string }[];
  fix?: {
    records: GeneratedRecord[];
    files: unknown[];
    kinds: { kind: string; result: GenerateResult | null }[];
  };
};

interface World {
  tw: Testworld;
  smtp: SmtpHosts;
  https: HttpsHosts;
  caFile: string;
}

async function startWorld(
  o: { scenarios?: typeof scenarios; files?: GenerateResult['files'] } = {},
): Promise<World> {
  const tw = await startTestworld(o.scenarios ? { scenarios: o.scenarios } : {});
  const [smtp, https] = await Promise.all([
    startSmtpHosts(tw, { postfix: false, ipv6: false }),
    startHttpsHosts(tw, o.files ? { files: o.files } : {}),
  ]);
  const caFile = join(tw.dir, 'generate-e2e-roots.pem');
  writeFileSync(caFile, readFileSync(smtp.caFile, 'utf8') + readFileSync(https.caFile, 'utf8'));
  return { tw, smtp, https, caFile };
}
async function stopWorld(w: World | undefined) {
  await w?.https.stop();
  await w?.smtp.stop();
  await w?.tw.stop();
}

const net = (w: World) => [
  '--resolver',
  w.tw.resolver,
  '--allow-private',
  LOOPBACK_V4,
  '--ca-file',
  w.caFile,
  // generous: sixteen generators run at once here, on machines that may be busy
  '--smtp-timeout',
  '20000',
  '--http-timeout',
  '20000',
];

let before1: World | undefined;
let after1: World | undefined;
const gen = new Map<string, { code: number | null; result: GenerateResult; stderr: string }>();
const zone = new Map<string, string>();
const checked = new Map<string, Doc>();
let fixDoc: Doc;
let missing: { code: number | null; stdout: string; stderr: string };

// ---- DMARC aggregate reports for gen-reports.test (RFC 7489 Appendix C / RFC 9990 format) ----
interface Row {
  ip: string;
  count: number;
  dkim: 'pass' | 'fail';
  /** the envelope domain's SPF result, and whether it aligns */
  spf: { domain: string; result: string; aligned: boolean };
  reason?: string;
}
const ROWS: Row[] = [
  // the sending service (its SPF include names 192.0.2.64/27): DKIM aligned, its own envelope
  {
    ip: '192.0.2.70',
    count: 300,
    dkim: 'pass',
    spf: { domain: 'bounce.gen-esp.test', result: 'pass', aligned: false },
  },
  // an own mailer with another envelope domain: DKIM aligned
  {
    ip: '198.51.100.25',
    count: 200,
    dkim: 'pass',
    spf: { domain: 'mailer.elsewhere.test', result: 'pass', aligned: false },
  },
  // a mailing list that forwards: the receiver says so
  {
    ip: '198.51.100.99',
    count: 40,
    dkim: 'pass',
    spf: { domain: 'gen-reports.test', result: 'fail', aligned: false },
    reason: 'forwarded',
  },
  // spoofers
  {
    ip: '203.0.113.66',
    count: 50,
    dkim: 'fail',
    spf: { domain: 'gen-reports.test', result: 'fail', aligned: false },
  },
  {
    ip: '203.0.113.77',
    count: 10,
    dkim: 'fail',
    spf: { domain: 'gen-reports.test', result: 'softfail', aligned: false },
  },
];
function aggregateXml(id: string, begin: number, rows: readonly Row[]): string {
  const record = (r: Row) => `  <record>
    <row>
      <source_ip>${r.ip}</source_ip>
      <count>${r.count}</count>
      <policy_evaluated>
        <disposition>none</disposition>
        <dkim>${r.dkim}</dkim>
        <spf>${r.spf.aligned && r.spf.result === 'pass' ? 'pass' : 'fail'}</spf>${r.reason ? `\n        <reason><type>${r.reason}</type></reason>` : ''}
      </policy_evaluated>
    </row>
    <identifiers><header_from>gen-reports.test</header_from></identifiers>
    <auth_results>
      <dkim><domain>gen-reports.test</domain><result>${r.dkim}</result><selector>s1</selector></dkim>
      <spf><domain>${r.spf.domain}</domain><result>${r.spf.result}</result></spf>
    </auth_results>
  </record>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata>
    <org_name>receiver.test</org_name>
    <email>dmarc@receiver.test</email>
    <report_id>${id}</report_id>
    <date_range><begin>${begin}</begin><end>${begin + 86_399}</end></date_range>
  </report_metadata>
  <policy_published><domain>gen-reports.test</domain><adkim>r</adkim><aspf>r</aspf><p>none</p></policy_published>
${rows.map(record).join('\n')}
</feedback>
`;
}
/** two reports 20 days apart, each with half of every source's messages */
function writeReports(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const half = ROWS.map((r) => ({ ...r, count: r.count / 2 }));
  const t0 = Math.floor(Date.parse('2026-10-01T00:00:00Z') / 1000);
  writeFileSync(join(dir, 'a.xml'), aggregateXml('gen-1', t0, half));
  writeFileSync(join(dir, 'b.xml'), aggregateXml('gen-2', t0 + 19 * 86_400, half));
}

/** Generation runs (name → args); all with --for and --json. */
const RUNS: Record<string, string[]> = {
  spf: ['spf', '--for', 'gen-mail.test', '--mx'],
  'spf-flatten': ['spf', '--for', 'gen-spf-many.test', '--flatten'],
  'spf-over': ['spf', '--for', 'gen-spf-many.test'],
  'dmarc-plan': ['dmarc', '--for', 'gen-mail.test', '--plan'],
  'dmarc-none': ['dmarc', '--for', 'gen-dmarc-none.test'],
  'dmarc-reject': ['dmarc', '--for', 'gen-mail.test', '--policy', 'reject'],
  'mta-sts': ['mta-sts', '--for', 'gen-mail.test'],
  'mta-sts-bad': ['mta-sts', '--for', 'gen-sts-bad.test'],
  'tls-rpt': ['tls-rpt', '--for', 'gen-mail.test'],
  tlsa: ['tlsa', '--for', 'gen-mail.test'],
  'tlsa-insecure': ['tlsa', '--for', 'gen-insecure.test'],
  'tlsa-next': ['tlsa', '--for', 'gen-mail.test', '--next-key', fixedKeyFile('gen-mx-next')],
  caa: [
    'caa',
    '--for',
    'gen-mail.test',
    '--issuer-map',
    'mailsec testworld=ca.testworld.test',
    '--iodef',
    'mailto:security@gen-mail.test',
  ],
  'caa-unknown': ['caa', '--for', 'gen-mail.test'],
  bimi: ['bimi', '--for', 'gen-bimi.test', '--logo', 'https://gen-bimi.test/logo.svg'],
  'spf-reports': [
    'spf',
    '--for',
    'gen-reports.test',
    '--reports',
    '{db}',
    '--catalogue',
    '{catalogue}',
    '--listed',
    '203.0.113.77',
  ],
  'dmarc-reports': ['dmarc', '--for', 'gen-reports.test', '--reports', '{db}', '--plan'],
  'bimi-no-dmarc': ['bimi', '--for', 'gen-mail.test', '--logo', 'https://gen-bimi.test/logo.svg'],
  parked: ['parked', '--for', 'gen-parked.test'],
  'parked-mail': ['parked', '--for', 'gen-mail.test'],
};

const result = (name: string) => {
  const g = gen.get(name);
  assert.ok(g, `no run ${name}`);
  return g;
};

before(async () => {
  const w1 = await startWorld();
  before1 = w1;
  // the reports: imported with mailsec reports import; a catalogue that knows the testworld's ESP
  const reportsDir = join(w1.tw.dir, 'gen-reports');
  writeReports(reportsDir);
  const db = join(w1.tw.dir, 'gen-reports.duckdb');
  const imported = await runMain(['reports', 'import', reportsDir, '--db', db]);
  assert.equal(imported.code, 0, imported.stderr);
  const catalogue = join(w1.tw.dir, 'gen-senders.json');
  writeFileSync(
    catalogue,
    JSON.stringify({ senders: [{ organisation: 'Testworld ESP', kind: 'esp', spf: ['_spf.gen-esp.test'] }] }),
  );
  const fill = (a: string) => (a === '{db}' ? db : a === '{catalogue}' ? catalogue : a);
  const runs = Object.entries(RUNS).map(async ([name, args]) => {
    const r = await runMain(['generate', ...args.map(fill), '--json', ...net(w1)]);
    assert.ok(r.stdout, `${name}: ${r.stderr}`);
    gen.set(name, { code: r.code, result: JSON.parse(r.stdout) as GenerateResult, stderr: r.stderr });
  });
  const zones = [
    ['tlsa-311', ['tlsa', '--for', 'gen-mail.test', '--zone']],
    ['tlsa-211', ['tlsa', '--for', 'gen-mail.test', '--usage', '2', '--zone']],
  ].map(async ([name, args]) => {
    const r = await runMain(['generate', ...(args as string[]), ...net(w1)]);
    assert.equal(r.code, 0, r.stderr);
    zone.set(name as string, r.stdout);
  });
  const fix = runCli(['check', 'gen-mail.test', '--fix', '--json', ...net(w1)], {}, 180_000).then((r) => {
    fixDoc = JSON.parse(r.stdout) as Doc;
  });
  const nx = runMain(['generate', 'dmarc', '--for', 'gen-does-not-exist.test', ...net(w1)]).then((r) => {
    missing = r;
  });
  await Promise.all([...runs, ...zones, fix, nx]);

  // publish: records into a copy of the generate scenario, the policy file onto its web host
  const planned = result('dmarc-plan').result.plan!;
  const published: GeneratedRecord[] = [
    ...result('spf').result.records,
    ...planned.at(-1)!.records,
    ...result('mta-sts').result.records,
    ...result('tls-rpt').result.records,
    ...result('tlsa').result.records,
    ...result('caa').result.records,
    ...result('spf-flatten').result.records,
    ...result('dmarc-none').result.records,
    ...result('bimi').result.records,
    ...result('parked').result.records,
    ...result('spf-reports').result.records,
  ];
  const next = scenarios.map((s) => (s.name === 'generate' ? publish(s, published) : s));
  before1 = undefined;
  await stopWorld(w1);
  after1 = await startWorld({ scenarios: next, files: result('mta-sts').result.files });
  const checks: [string, string[]][] = [
    ['gen-mail.test', []],
    ['gen-spf-many.test', ['--only', 'spf']],
    ['gen-dmarc-none.test', ['--only', 'dmarc']],
    ['gen-bimi.test', ['--only', 'bimi,dmarc']],
    ['gen-parked.test', ['--only', 'mx,spf,dmarc']],
    ['gen-reports.test', ['--only', 'spf']],
  ];
  await Promise.all(
    checks.map(async ([domain, extra]) => {
      const r = await runCli(['check', domain, '--json', ...extra, ...net(after1!)], {}, 180_000);
      assert.ok(r.stdout, r.stderr);
      checked.set(domain, JSON.parse(r.stdout) as Doc);
    }),
  );
});
after(async () => {
  await stopWorld(after1);
  await stopWorld(before1);
});

/** A section of the check after publishing: its status and its error/warning finding ids. */
function section(domain: string, check: string): { status: string; problems: string[]; all: string[] } {
  const d = checked.get(domain);
  assert.ok(d, `no check of ${domain}`);
  const s = d[check] as { status: string };
  const mine = d.findings.filter((f) => f.check === check);
  return {
    status: s.status,
    problems: mine.filter((f) => f.severity !== 'info').map((f) => f.id),
    all: mine.map((f) => f.id),
  };
}
const passes = (domain: string, check: string) => {
  const s = section(domain, check);
  assert.deepEqual(s.problems, [], `${domain} ${check}: ${s.all.join(', ')}`);
  assert.equal(s.status, 'pass', `${domain} ${check}: ${s.all.join(', ')}`);
};

// ---- each kind, published, passes ----
test('spf: generated with --mx, published, the spf section passes', () => {
  assert.equal(result('spf').code, 0);
  assert.deepEqual(
    result('spf').result.records.map((r) => [r.name, r.type, r.value]),
    [['gen-mail.test', 'TXT', 'v=spf1 mx ~all']],
  );
  passes('gen-mail.test', 'spf');
});
test('spf: 12 lookups are refused without --flatten, naming the costliest include', () => {
  const r = result('spf-over');
  assert.equal(r.code, 1);
  assert.deepEqual(r.result.records, []);
  assert.match(r.result.refused!.reason, /12 DNS lookups/);
  assert.match(r.result.refused!.reason, /include:_big\.gen-spf-many\.test \(10\)/);
  assert.match(r.result.refused!.next, /--flatten/);
});
test('spf: --flatten stays within 10 lookups, warns about maintenance, and passes when published', () => {
  const r = result('spf-flatten');
  assert.equal(r.code, 0);
  const value = r.result.records[0]!.value;
  assert.doesNotMatch(value, /include:_big/);
  assert.equal(r.result.records[0]!.change, 'replace');
  for (let i = 1; i <= 9; i++) assert.ok(value.includes(`ip4:192.0.2.${i}`), value);
  assert.ok(r.result.warnings.some((w) => /^Maintenance:/.test(w)));
  passes('gen-spf-many.test', 'spf');
  assert.ok((checked.get('gen-spf-many.test')!.spf as { lookups: number }).lookups <= 10);
});
test('dmarc: the plan has the five RFC 9989 steps; its final step, published, passes clean', () => {
  const plan = result('dmarc-plan').result.plan!;
  assert.deepEqual(
    plan.map((p) => p.records[0]!.value),
    [
      'v=DMARC1; p=none; rua=mailto:dmarc-reports@gen-mail.test',
      'v=DMARC1; p=quarantine; t=y; rua=mailto:dmarc-reports@gen-mail.test',
      'v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@gen-mail.test',
      'v=DMARC1; p=reject; t=y; rua=mailto:dmarc-reports@gen-mail.test',
      'v=DMARC1; p=reject; rua=mailto:dmarc-reports@gen-mail.test',
    ],
  );
  assert.deepEqual(
    plan.map((p) => p.requires?.dmarcPass ?? null),
    [null, 95, 98, 98, 99],
  );
  assert.ok(plan.every((p) => !/pct=/.test(p.records[0]!.value)));
  const s = section('gen-mail.test', 'dmarc');
  assert.equal(s.status, 'pass');
  assert.deepEqual(s.all, []);
});
test('dmarc: the first step (p=none with rua), published, keeps only its documented warning', () => {
  assert.equal(
    result('dmarc-none').result.records[0]!.value,
    'v=DMARC1; p=none; rua=mailto:dmarc-reports@gen-dmarc-none.test',
  );
  const s = section('gen-dmarc-none.test', 'dmarc');
  assert.equal(s.status, 'warn');
  assert.deepEqual(s.problems, ['dmarc.policy-none']);
});
test('dmarc: p=reject without reports is refused', () => {
  const r = result('dmarc-reject');
  assert.equal(r.code, 1);
  assert.match(r.result.refused!.reason, /no reports were given/);
});
test('mta-sts: policy file and TXT (with TLS-RPT), published, pass with enforce', () => {
  const r = result('mta-sts').result;
  assert.equal(result('mta-sts').code, 0);
  assert.deepEqual(
    r.files.map((f) => [f.url, f.contentType]),
    [['https://mta-sts.gen-mail.test/.well-known/mta-sts.txt', 'text/plain; charset=utf-8']],
  );
  assert.equal(
    r.files[0]!.body,
    'version: STSv1\r\nmode: enforce\r\nmx: mx.gen-mail.test\r\nmax_age: 604800\r\n',
  );
  assert.deepEqual(
    r.records.map((x) => x.name),
    ['_mta-sts.gen-mail.test', '_smtp._tls.gen-mail.test'],
  );
  passes('gen-mail.test', 'mtaSts');
  const sts = checked.get('gen-mail.test')!.mtaSts as { policy: { mode: string }; enforceReady: boolean };
  assert.equal(sts.policy.mode, 'enforce');
  assert.equal(sts.enforceReady, true);
  assert.equal(after1!.https.requests('gen-mail.test') > 0, true);
});
test('mta-sts: one MX with a wrong certificate: enforce is refused, naming the MX and why', () => {
  const r = result('mta-sts-bad');
  assert.equal(r.code, 1);
  assert.deepEqual(r.result.records, []);
  assert.deepEqual(r.result.files, []);
  const reason = r.result.refused!.reason;
  assert.match(reason, /enforce refused/);
  assert.match(reason, /mx\.smtp-wrongname\.test/);
  assert.match(reason, /www\.elsewhere\.test/);
  assert.doesNotMatch(reason, /mx\.gen-mail\.test/);
  assert.match(r.result.refused!.next, /--mode testing/);
  assert.match(r.stderr, /refused/);
});
test('tls-rpt: published, passes', () => {
  assert.equal(
    result('tls-rpt').result.records[0]!.value,
    'v=TLSRPTv1; rua=mailto:tls-reports@gen-mail.test',
  );
  passes('gen-mail.test', 'tlsRpt');
});
test('tlsa: 3 1 1 of the served key, published in the signed zone: DANE valid', () => {
  const r = result('tlsa').result;
  assert.equal(r.records.length, 1);
  assert.equal(r.records[0]!.name, '_25._tcp.mx.gen-mail.test');
  assert.match(r.records[0]!.value, /^3 1 1 [0-9a-f]{64}$/);
  passes('gen-mail.test', 'smtp');
  const hosts = (checked.get('gen-mail.test')!.smtp as { hosts: { dane: { status: string } }[] }).hosts;
  assert.deepEqual(
    hosts.map((h) => h.dane.status),
    ['valid'],
  );
});
test('tlsa: an unsigned zone: the records are called pointless', () => {
  const r = result('tlsa-insecure').result;
  assert.equal(r.records.length, 1);
  assert.ok(
    r.warnings.some((w) => /pointless/.test(w) && /DNSSEC/.test(w)),
    r.warnings.join('\n'),
  );
});
test('tlsa: --next-key prints the rollover: publish both, wait 2×TTL, switch, remove', () => {
  const r = result('tlsa-next').result;
  assert.deepEqual(
    r.plan!.map((p) => p.title),
    ['publish both', 'wait 2×TTL (7200 s)', 'switch', 'remove'],
  );
  assert.equal(r.plan![0]!.records.length, 2);
  assert.deepEqual(
    r.plan![3]!.records.map((x) => x.value),
    [r.plan![0]!.records[1]!.value],
  );
  assert.equal(r.records.length, 2);
  assert.notEqual(r.records[0]!.value, r.records[1]!.value);
});
test('caa: the testworld issuer mapped, published with iodef: the caa section passes', () => {
  const r = result('caa').result;
  assert.deepEqual(
    r.records.map((x) => x.value),
    ['0 issue "ca.testworld.test"', '0 iodef "mailto:security@gen-mail.test"'],
  );
  passes('gen-mail.test', 'caa');
});
test('caa: an issuer outside the table is listed, never guessed', () => {
  const r = result('caa-unknown');
  assert.equal(r.code, 1);
  assert.deepEqual(r.result.records, []);
  const unknown = (r.result.details as { unknownIssuers: { issuer: string; hosts: string[] }[] })
    .unknownIssuers;
  assert.deepEqual(
    unknown.map((u) => u.issuer),
    ['O=mailsec testworld, CN=mailsec testworld intermediate'],
  );
  // the domain's own names only: web, www, mta-sts and the own-named MX
  assert.deepEqual(unknown[0]!.hosts.sort(), [
    'gen-mail.test (https)',
    'mta-sts.gen-mail.test (https)',
    'mx.gen-mail.test (smtp)',
    'www.gen-mail.test (https)',
  ]);
});
test('bimi: published beside DMARC p=reject, the logo validated: bimi passes', () => {
  assert.equal(result('bimi').result.records[0]!.value, 'v=BIMI1; l=https://gen-bimi.test/logo.svg');
  passes('gen-bimi.test', 'bimi');
});
test('bimi: refused while DMARC does not enforce', () => {
  assert.equal(result('bimi-no-dmarc').code, 1);
  assert.match(result('bimi-no-dmarc').result.refused!.reason, /DMARC at enforcement/);
});
test('parked: Null MX, SPF -all, DMARC reject, published: mx, spf and dmarc pass', () => {
  assert.deepEqual(
    result('parked').result.records.map((r) => [r.name, r.type, r.value]),
    [
      ['gen-parked.test', 'MX', '0 .'],
      ['gen-parked.test', 'TXT', 'v=spf1 -all'],
      ['_dmarc.gen-parked.test', 'TXT', 'v=DMARC1; p=reject'],
    ],
  );
  passes('gen-parked.test', 'mx');
  passes('gen-parked.test', 'spf');
  passes('gen-parked.test', 'dmarc');
  assert.equal((checked.get('gen-parked.test')!.mx as { nullMx: boolean }).nullMx, true);
});
test('parked: refused for a domain that receives mail', () => {
  assert.equal(result('parked-mail').code, 1);
  assert.match(result('parked-mail').result.refused!.reason, /has MX records \(mx\.gen-mail\.test\)/);
});
test('every published domain: no error finding anywhere in the checked sections', () => {
  for (const [domain, d] of checked) {
    const errors = d.findings.filter((f) => f.severity === 'error').map((f) => f.id);
    assert.deepEqual(errors, [], domain);
  }
});

// ---- check --fix: the same generators, the same records ----
test('check --fix: the records the findings ask for are those of mailsec generate', () => {
  const fix = fixDoc.fix!;
  const byName = (name: string) => fix.records.find((r) => r.name === name)?.value;
  assert.equal(byName('_dmarc.gen-mail.test'), result('dmarc-plan').result.records[0]!.value);
  assert.equal(byName('_smtp._tls.gen-mail.test'), result('tls-rpt').result.records[0]!.value);
  assert.ok(byName('_mta-sts.gen-mail.test')?.startsWith('v=STSv1; id='));
  assert.deepEqual(fix.files.length, 1);
  // the finding's fix text shows the very record --fix proposes
  const dmarcFix = fixDoc.findings.find((f) => f.id === 'dmarc.not-found')!.fix!;
  assert.ok(dmarcFix.includes(`"${byName('_dmarc.gen-mail.test')}"`), dmarcFix);
  const tlsFix = fixDoc.findings.find((f) => f.id === 'tlsRpt.not-found')!.fix!;
  assert.ok(tlsFix.includes(`"${byName('_smtp._tls.gen-mail.test')}"`), tlsFix);
  // what it cannot know it says: no senders for SPF, an unknown CA for CAA
  const refused = fix.kinds.filter((k) => k.result?.refused).map((k) => k.kind);
  assert.deepEqual(refused.sort(), ['caa', 'spf']);
});

// ---- TLSA equals ldns-dane's, for the chain openssl s_client -starttls smtp shows ----
function serverChain(address: string, sni: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(
      'openssl',
      ['s_client', '-connect', `${address}:25`, '-starttls', 'smtp', '-servername', sni, '-showcerts'],
      { stdio: ['pipe', 'pipe', 'ignore'] },
    );
    let out = '';
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    c.stdout.on('data', (d) => {
      out += d;
      // s_client waits for more after the handshake: the chain is complete once it says this
      if (/Verify return code/.test(out)) c.kill();
    });
    c.on('error', reject);
    c.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}
function ldnsDaneCreate(chainFile: string, host: string, usage: string[]): Promise<string> {
  const offset = usage[0] === '2' ? ['-o', '0'] : [];
  return new Promise((resolve, reject) => {
    execFile(
      'ldns-dane',
      [...offset, '-c', chainFile, 'create', host, '25', ...usage],
      { timeout: 10_000 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`ldns-dane: ${stderr || err.message}`)) : resolve(stdout),
    );
  });
}
const recordLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith(';'))
    .map((l) => l.trim().split(/\s+/).join(' '));

test('tlsa: generate tlsa --for equals ldns-dane create for 3 1 1 and 2 1 1', async (t) => {
  if (!existsSync('/usr/bin/ldns-dane')) {
    t.skip('ldns-dane not installed (scripts/install-debian-deps.sh installs ldnsutils)');
    return;
  }
  // the server of the second testworld has the same fixed key and CA: the same records
  const out = await serverChain(after1!.smtp.addresses['gen-mail.test']!, 'mx.gen-mail.test');
  const pems = out.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  assert.equal(pems.length, 2, out);
  const file = join(after1!.tw.dir, 'gen-mail.chain.pem');
  writeFileSync(file, `${pems.join('\n')}\n`);
  // ldns-dane -o 0: the last certificate the server sends (the intermediate: DANE-TA needs it presented)
  for (const [name, usage] of [
    ['tlsa-311', ['3', '1', '1']],
    ['tlsa-211', ['2', '1', '1']],
  ] as const) {
    const theirs = recordLines(await ldnsDaneCreate(file, 'mx.gen-mail.test', [...usage]));
    assert.deepEqual(recordLines(zone.get(name)!), theirs, `${usage.join(' ')}: ${theirs}`);
  }
});

test('a name that does not exist: no records, exit 2, said on stderr', () => {
  assert.equal(missing.code, 2);
  assert.equal(missing.stdout, '');
  assert.match(missing.stderr, /gen-does-not-exist\.test does not exist \(NXDOMAIN\)/);
});

// ---- SPF and DMARC from imported reports ----
test('spf --reports: exactly the services that pass DKIM aligned or are listed; ≤ 10 lookups; the unauthorised named', () => {
  const r = result('spf-reports');
  assert.equal(r.code, 0, JSON.stringify(r.result.refused));
  assert.deepEqual(
    r.result.records.map((x) => x.value),
    ['v=spf1 mx include:_spf.gen-esp.test ip4:198.51.100.25 ip4:203.0.113.77 ~all'],
  );
  const d = r.result.details as {
    reports: {
      included: { ip: string; organisation: string | null }[];
      excluded: { ip: string; class: string }[];
    };
  };
  assert.deepEqual(
    d.reports.included.map((x) => [x.ip, x.organisation]),
    [
      ['192.0.2.70', 'Testworld ESP'],
      ['198.51.100.25', null],
      ['203.0.113.77', null],
    ],
  );
  assert.deepEqual(d.reports.excluded.map((x) => [x.ip, x.class]).sort(), [
    ['198.51.100.99', 'forwarder'],
    ['203.0.113.66', 'unauthorised'],
  ]);
  const left = r.result.warnings.find((w) => /^Left out of SPF/.test(w)) ?? '';
  assert.match(left, /203\.0\.113\.66, 50 messages: unauthorised/);
  assert.ok(r.result.notes.some((n) => /DNS lookups: 2 of 10/.test(n)));
  passes('gen-reports.test', 'spf');
  assert.ok((checked.get('gen-reports.test')!.spf as { lookups: number }).lookups <= 10);
});
test('dmarc --reports: the compliance figure of the reports moves the policy one step', () => {
  const r = result('dmarc-reports').result;
  assert.equal(r.refused, null);
  assert.equal(r.records[0]!.value, 'v=DMARC1; p=quarantine; t=y; rua=mailto:dmarc@gen-reports.test');
  const plan = r.plan!;
  assert.equal(plan[0]!.current, true);
  // the spoofers (unauthorised) do not count: 540 of 540 messages pass
  assert.deepEqual(plan[1]!.observed, { dmarcPass: 100, messages: 540 });
  assert.deepEqual(
    plan.map((p) => p.ready),
    [true, true, true, true, true],
  );
});
