/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * End to end (issue 15): `mailsec serve` as a user starts it, driven by headless Chromium
 * (Debian's, through the launcher the HTML report uses) and by plain HTTP clients.
 *
 * - two scans of testworld domains (SMTP hosts live, --no-http) and a scan whose name is a
 *   payload, plus hostile DMARC and TLS reports, in one database;
 * - every page loads with no console message and no request leaving the server; screenshots;
 * - the scan page's figures equal `mailsec report --json` (and the comparison the API's);
 * - a domain page shows the findings of `check --json`;
 * - the live check (form → queue → result) works against the testworld;
 * - hostile strings execute nothing (dialogs, console, requests, DOM watched);
 * - off loopback: refuses to start without --token-file and --tls-cert/--tls-key; with them,
 *   401 everywhere but /login, CSRF-less posts refused, foreign Host 421, login rate-limited;
 *   a live check of a domain whose MX is loopback connects nowhere (the SMTP hosts count);
 * - a scan writing into the database while the server reads it: both keep working.
 *
 * MAILSEC_UPDATE_SCREENSHOT=1 also writes docs/img/serve-domain.png and docs/img/serve-reports.png.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TldReport } from '../src/render/tld-report.ts';
import { computeStats } from '../src/statistics/stats.ts';
import { startTestworld, type Testworld } from '../testworld/index.ts';
import {
  HOSTILE,
  HOSTILE_DMARC_DOMAIN_XML,
  HOSTILE_DMARC_XML,
  HOSTILE_TLS_JSON,
} from '../testworld/scenarios/hostile.ts';
import { type SmtpHosts, startSmtpHosts } from '../testworld/smtp/index.ts';
import { launchChromium, type OpenedPage, openUrl } from './browser.ts';
import { LOOPBACK_V4, ROOT, runCli } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

const FIRST = [
  'secure.test',
  'insecure.test',
  'nomx.test',
  'nullmx.test',
  'dmarc-none.test',
  'smtp-good.test',
  'smtp-none.test',
];
const SECOND = [...FIRST, 'bogus.test', 'servfail.test', 'mx-kinds.test', 'full.test', 'hostile.test'];
const HOSTILE_SCAN = `${HOSTILE.script}${HOSTILE.img}`;

let tw: Testworld;
let smtp: SmtpHosts;
let browser: Browser;
let dir: string;
let db: string;
let env: Record<string, string>;
let server: RunningServer;
/** one browser context for the page visits (its route refuses every request elsewhere) */
let shared: BrowserContext;

interface RunningServer {
  readonly url: string;
  readonly child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `mailsec serve …` and waits for the JSON line with its URL. */
function startServer(args: readonly string[]): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'serve', ...args], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start: ${err}`));
    }, 60_000);
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0] as string;
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      const { url } = JSON.parse(line) as { url: string };
      resolve({
        url: url.replace(/\/$/, ''),
        child,
        stderr: () => err,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('close', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited ${code}: ${err}`));
    });
  });
}

const scanArgs = (list: string, name: string) => [
  'scan',
  list,
  '--db',
  db,
  '--scan',
  name,
  '--no-http',
  '--allow-private',
  LOOPBACK_V4,
  '--resolver',
  tw.resolver,
  '--smtp-timeout',
  '5000',
  '--concurrency',
  '16',
];

/**
 * Ten days of DMARC aggregate reports for full.test from two receivers (an authorised sender, a
 * forwarder whose SPF breaks, a spoofer), and three TLS reports with some failures: the data of
 * the reports page (and its screenshot). Sources are documentation addresses, never contacted.
 */
function fullTestReports(): { name: string; body: string }[] {
  const out: { name: string; body: string }[] = [];
  const day0 = Date.UTC(2026, 10, 1) / 1000;
  const rec = (ip: string, count: number, dkim: string, spf: string, disposition: string) => `
  <record><row><source_ip>${ip}</source_ip><count>${count}</count>
    <policy_evaluated><disposition>${disposition}</disposition><dkim>${dkim}</dkim><spf>${spf}</spf></policy_evaluated></row>
    <identifiers><header_from>full.test</header_from></identifiers>
    <auth_results><dkim><domain>full.test</domain><selector>sel1</selector><result>${dkim}</result></dkim>
    <spf><domain>full.test</domain><result>${spf}</result></spf></auth_results></record>`;
  for (let d = 0; d < 10; d++) {
    for (const [org, scale] of [
      ['google.com', 3],
      ['Outlook.com', 1],
    ] as const) {
      const begin = day0 + d * 86400;
      out.push({
        name: `${org}!full.test!${begin}!${begin + 86399}.xml`,
        body: `<?xml version="1.0"?>
<feedback><report_metadata><org_name>${org}</org_name><email>noreply@${org.toLowerCase()}</email>
<report_id>${org}-${d}</report_id><date_range><begin>${begin}</begin><end>${begin + 86399}</end></date_range></report_metadata>
<policy_published><domain>full.test</domain><adkim>r</adkim><aspf>r</aspf><p>reject</p><sp>reject</sp><pct>100</pct></policy_published>
${rec('192.0.2.25', (40 + ((d * 7) % 13)) * scale, 'pass', 'pass', 'none')}
${rec('203.0.113.5', (3 + (d % 4)) * scale, 'pass', 'fail', 'none')}
${d % 3 === 1 ? rec('198.51.100.7', (5 + d) * scale, 'fail', 'fail', 'reject') : ''}
</feedback>`,
      });
    }
  }
  for (let d = 0; d < 3; d++) {
    out.push({
      name: `tls-${d}.json`,
      body: JSON.stringify({
        'organization-name': 'Google Inc.',
        'date-range': {
          'start-datetime': new Date((day0 + d * 86400) * 1000).toISOString(),
          'end-datetime': new Date((day0 + d * 86400 + 86399) * 1000).toISOString(),
        },
        'contact-info': 'smtp-tls-reporting@google.com',
        'report-id': `tls-full-${d}`,
        policies: [
          {
            policy: { 'policy-type': 'sts', 'policy-domain': 'full.test', 'mx-host': ['mx1.full.test'] },
            summary: { 'total-successful-session-count': 120 + d * 10, 'total-failure-session-count': d + 1 },
            'failure-details': [
              {
                'result-type': d === 2 ? 'certificate-expired' : 'starttls-not-supported',
                'sending-mta-ip': '192.0.2.99',
                'receiving-mx-hostname': 'mx1.full.test',
                'failed-session-count': d + 1,
              },
            ],
          },
        ],
      }),
    });
  }
  return out;
}

before(async () => {
  tw = await startTestworld();
  [smtp, browser] = await Promise.all([
    startSmtpHosts(tw, { postfix: false, ipv6: false }),
    launchChromium(),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'mailsec-serve-'));
  env = { NODE_EXTRA_CA_CERTS: smtp.caFile };
  db = join(dir, 'serve.duckdb');
  writeFileSync(join(dir, 'first.txt'), `${FIRST.join('\n')}\n`);
  writeFileSync(join(dir, 'second.txt'), `${SECOND.join('\n')}\n`);
  writeFileSync(join(dir, 'hostile.txt'), 'hostile.test\nsmtp-good.test\n');
  // one writer at a time
  for (const [list, name] of [
    ['first.txt', 'tw-1'],
    ['second.txt', 'tw-2'],
    ['hostile.txt', HOSTILE_SCAN],
  ] as const) {
    const r = await runCli(scanArgs(join(dir, list), name), env, 180_000);
    assert.equal(r.code, 0, r.stderr);
  }
  writeFileSync(join(dir, 'hostile-a.xml'), HOSTILE_DMARC_XML);
  writeFileSync(join(dir, 'hostile-b.xml'), HOSTILE_DMARC_DOMAIN_XML);
  writeFileSync(join(dir, 'hostile-tls.json'), HOSTILE_TLS_JSON);
  mkdirSync(join(dir, 'full-reports'));
  for (const f of fullTestReports()) writeFileSync(join(dir, 'full-reports', f.name), f.body);
  const imp = await runCli([
    'reports',
    'import',
    join(dir, 'hostile-a.xml'),
    join(dir, 'hostile-b.xml'),
    join(dir, 'hostile-tls.json'),
    join(ROOT, 'test/fixtures/reports'),
    join(dir, 'full-reports'),
    '--db',
    db,
  ]);
  assert.equal(imp.code, 0, imp.stderr);
  shared = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  await shared.route('**/*', (route) =>
    new URL(route.request().url()).origin === new URL(server.url).origin ? route.continue() : route.abort(),
  );
  server = await startServer([
    '--db',
    db,
    '--listen',
    '127.0.0.1:0',
    '--resolver',
    tw.resolver,
    '--no-http',
    '--smtp-timeout',
    '5000',
    '--live-allow-private',
    LOOPBACK_V4,
  ]);
});

after(async () => {
  await server?.stop();
  await browser?.close();
  await smtp?.stop();
  await tw?.stop();
  if (dir && !process.env.KEEP) rmSync(dir, { recursive: true, force: true });
});

async function getJson<T>(path: string): Promise<T> {
  const r = await fetch(server.url + path);
  assert.equal(r.status, 200, `${path}: ${r.status}`);
  return (await r.json()) as T;
}

async function reportJson(scan: string): Promise<TldReport> {
  const r = await runCli(['report', '--db', db, '--scan', scan, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as TldReport;
}

/** nothing happened that a page should not do: console, errors, dialogs, requests elsewhere */
function assertQuiet(o: OpenedPage, label: string): void {
  const origin = new URL(server.url).origin;
  assert.deepEqual(o.events.console, [], `${label}: console`);
  assert.deepEqual(o.events.pageErrors, [], `${label}: page errors`);
  assert.deepEqual(o.events.dialogs, [], `${label}: dialogs`);
  assert.deepEqual(
    o.events.requests.filter((u) => new URL(u).origin !== origin),
    [],
    `${label}: requests leaving the server`,
  );
}

async function visit(path: string, expectStatus = 200): Promise<OpenedPage> {
  const o = await openUrl(browser, server.url + path, { context: shared });
  assert.equal(o.status, expectStatus, `${path}: status`);
  return o;
}

function at(doc: unknown, path: string): unknown {
  let v: unknown = doc;
  for (const p of path.split('/'))
    v = v === undefined || v === null ? undefined : (v as Record<string, unknown>)[p];
  return v;
}

function parsePrinted(text: string): number | null {
  const t = text.replace(/[\s\u202f]|%|pp|±/g, '').replace('−', '-');
  return t === '–' ? null : Number(t);
}

/** every [data-path] figure of the page equals the document (as the HTML report test reads it) */
async function figuresEqual(page: Page, doc: TldReport, only?: (path: string) => boolean): Promise<number> {
  const figures = await page.$$eval('[data-path]', (els) =>
    els.map((e) => [e.getAttribute('data-path') ?? '', e.textContent ?? ''] as const),
  );
  let n = 0;
  for (const [path, text] of figures) {
    if (only && !only(path)) continue;
    let expected = at(doc, path);
    if (expected === undefined && /\.skipped\/count$/.test(path)) expected = 0;
    if (expected === undefined && /\.skipped\/percent$/.test(path))
      expected = at(doc, path.replace(/\.skipped\/percent$/, '/denominator')) ? 0 : null;
    assert.equal(parsePrinted(text), expected, `${path}: printed "${text}", JSON ${String(expected)}`);
    n++;
  }
  return n;
}

/** the id of the domain's first DMARC aggregate report */
const firstReportId = async (domain: string) =>
  (await getJson<{ id: string; kind: string }[]>(`/api/reports?domain=${encodeURIComponent(domain)}`)).find(
    (r) => r.kind === 'dmarc-aggregate',
  )?.id as string;

test('serve: every page loads in Chromium with no console message and no request leaving the server; screenshots', async () => {
  const reportId = await firstReportId('hostile.test');
  assert.ok(reportId, 'the hostile report is listed');
  const pages = [
    '/',
    '/scans/tw-2',
    '/scans/tw-2?compare=none',
    '/scans/tw-2?provider=smtp-good.test',
    '/scans/tw-2/domains?key=spf.present',
    '/scans/tw-2/domains?key=dmarc.reject.error',
    '/domains/smtp-good.test',
    '/domains/secure.test?scan=tw-1',
    '/reports',
    '/reports/hostile.test',
    '/reports/full.test',
    `/reports/view/${reportId}`,
    '/check',
    '/login',
  ];
  for (const path of pages) {
    const o = await visit(path);
    try {
      assertQuiet(o, path);
      // the one script is the static file; styles come from the static sheet
      const scripts = await o.page.$$eval('script', (els) => els.map((e) => e.getAttribute('src')));
      assert.deepEqual(scripts, ['/static/app.js'], `${path}: scripts`);
    } finally {
      await o.page.close();
    }
  }
  // the reports page: the summary's figures, sources failing first, the charts drawn
  const summary = await getJson<{ reports: number; messages: number; tls: { failedSessions: number } }>(
    '/api/reports/summary?domain=full.test',
  );
  assert.equal(summary.reports, 20);
  // the API is the CLI's JSON: reports summary and reports sources of the same database
  const [cliSummary, cliSources] = await Promise.all([
    runCli(['reports', 'summary', '--db', db, '--domain', 'full.test', '--json']),
    runCli(['reports', 'sources', '--db', db, '--domain', 'full.test', '--json', '--resolver', tw.resolver]),
  ]);
  assert.equal(cliSummary.code, 0, cliSummary.stderr);
  assert.deepEqual(summary, JSON.parse(cliSummary.stdout));
  assert.equal(cliSources.code, 0, cliSources.stderr);
  const apiSources = await getJson<{ ip: string; class: string; messages: number }[]>(
    '/api/reports/sources?domain=full.test',
  );
  const lines = cliSources.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as (typeof apiSources)[number]);
  assert.deepEqual(apiSources, lines);
  const r = await visit('/reports/full.test');
  try {
    const shown = await r.page.evaluate(() => ({
      reports: document.querySelector('[data-summary="reports"]')?.textContent,
      messages: document.querySelector('[data-summary="messages"]')?.textContent?.replace(/\s/g, ''),
      failed: document.querySelector('[data-tls="failedSessions"]')?.textContent,
      firstSource: document.querySelector('tr[data-source]')?.getAttribute('data-source'),
      marks: document.querySelectorAll('figure.chart svg .role-mark path, figure.chart svg .role-mark line')
        .length,
    }));
    assert.deepEqual(shown, {
      reports: '20',
      messages: String(summary.messages),
      failed: String(summary.tls.failedSessions),
      firstSource: '198.51.100.7',
      marks: shown.marks,
    });
    assert.ok(shown.marks >= 2, 'volume and compliance charts drawn');
  } finally {
    await r.page.close();
  }
  for (const [path, name, selector] of [
    ['/domains/full.test', 'serve-domain.png', 'main'],
    ['/reports/full.test', 'serve-reports.png', 'main'],
    ['/scans/tw-2', 'serve-scan.png', 'main'],
  ] as const) {
    const o = await openUrl(browser, server.url + path, { width: 1000, height: 900 });
    try {
      const file = join(dir, name);
      await o.page.screenshot({ path: file, fullPage: true });
      if (process.env.MAILSEC_UPDATE_SCREENSHOT === '1')
        await o.page.setViewportSize({ width: 1000, height: 1600 });
      assert.ok(statSync(file).size > 20_000, `${name}: ${statSync(file).size} bytes`);
      if (process.env.MAILSEC_UPDATE_SCREENSHOT === '1' && name !== 'serve-scan.png') {
        const box = await o.page.$eval(selector, (e) => e.getBoundingClientRect().top + window.scrollY);
        await o.page.screenshot({
          path: join(ROOT, 'docs/img', name),
          clip: {
            x: 0,
            y: Math.max(0, box - 60),
            width: 1000,
            height: name === 'serve-reports.png' ? 1500 : 1000,
          },
        });
      }
      assertQuiet(o, path);
    } finally {
      await o.context.close();
    }
  }
});

test('serve: the scan page shows report --json’s figures; the comparison is the API’s; each count links to its domains', async () => {
  const cli = await reportJson('tw-2');
  assert.equal(cli.domains, SECOND.length);
  const api = await getJson<TldReport>('/api/scans/tw-2/report?compare=none');
  assert.deepEqual(api, cli, 'the API document is the CLI’s');
  const plain = await visit('/scans/tw-2?compare=none');
  try {
    const n = await figuresEqual(plain.page, cli);
    assert.ok(n > 150, `${n} figures`);
  } finally {
    await plain.page.close();
  }
  // the default comparison: the scan before (tw-1)
  const compared = await getJson<TldReport>('/api/scans/tw-2/report?compare=tw-1');
  assert.equal(compared.compare?.scan, 'tw-1');
  assert.equal(compared.compare?.common, FIRST.length);
  assert.equal(compared.compare?.added, SECOND.length - FIRST.length);
  assert.equal(
    compared.stats['mx.present']?.previous?.count,
    (await reportJson('tw-1')).stats['mx.present']?.count,
  );
  const page = await visit('/scans/tw-2');
  try {
    const n = await figuresEqual(page.page, compared);
    assert.ok(n > 300, `${n} figures with the comparison`);
    // every count links to its list, whose length is the count
    const links = await page.page.$$eval('a[data-path$="/count"]', (els) =>
      els.map((e) => [e.getAttribute('href') ?? '', e.getAttribute('data-path') ?? ''] as const),
    );
    assert.ok(links.length > 50, `${links.length} linked counts`);
    // the share lists' entries (providers, issuers, software) and the first 60 statistics
    const isShare = (h: string) => /key=(providers|issuers|software)%3A/.test(h);
    const checked = [
      ...links.filter(([h]) => isShare(h)),
      ...links.filter(([h]) => !isShare(h)).slice(0, 60),
    ];
    assert.ok(
      checked.length > links.filter(([h]) => !isShare(h)).slice(0, 60).length,
      'share entries link too',
    );
    for (const [href, path] of checked) {
      const key = new URL(href, server.url).searchParams.get('key') as string;
      const list = await getJson<{ total: number; domains: string[] }>(
        `/api/scans/tw-2/domains?key=${encodeURIComponent(key)}`,
      );
      // a key with no domain not tested is absent from the document (0)
      assert.equal(list.total, at(cli, path) ?? 0, `${key}: list length vs ${path}`);
    }
  } finally {
    await page.page.close();
  }
  // filtered by provider: the figures of that provider's domains only
  const byProvider = await getJson<TldReport>('/api/scans/tw-2/report?compare=none&provider=smtp-good.test');
  assert.ok(byProvider.domains >= 1 && byProvider.domains < cli.domains, String(byProvider.domains));
  assert.equal(byProvider.domainsWithMx, byProvider.domains);
  // …and they are the statistics of exactly those domains' documents
  const theirs = await getJson<{ domains: string[]; total: number }>(
    `/api/scans/tw-2/domains?key=${encodeURIComponent('providers:smtp-good.test')}`,
  );
  assert.equal(theirs.total, byProvider.domains);
  const docs = await Promise.all(
    theirs.domains.map((d) => getJson<Record<string, unknown>>(`/api/scans/tw-2/domains/${d}`)),
  );
  const expected = computeStats(docs);
  assert.deepEqual(byProvider.stats, expected.stats);
  assert.deepEqual(byProvider.providers, expected.providers);
});

test('serve: a domain page shows the findings of check --json, section by section', async () => {
  const domain = 'full.test';
  const check = await runCli(
    ['check', domain, '--json', '--no-http', '--resolver', tw.resolver, '--allow-private', LOOPBACK_V4],
    env,
  );
  assert.ok(check.code === 0 || check.code === 1, check.stderr);
  const live = JSON.parse(check.stdout) as {
    findings: { id: string; message: string; severity: string }[];
  } & Record<string, { status?: string }>;
  const stored = await getJson<typeof live>(`/api/domains/${domain}`);
  const o = await visit(`/domains/${domain}`);
  try {
    const shown = await o.page.$$eval('section:first-of-type .audit [data-finding]', (els) =>
      els.map((e) => ({
        id: e.getAttribute('data-finding') ?? '',
        severity: e.getAttribute('data-severity') ?? '',
        message: e.querySelector('.message')?.textContent ?? '',
      })),
    );
    const key = (f: { id: string; severity: string }) => `${f.id} ${f.severity}`;
    assert.deepEqual(shown.map(key).sort(), live.findings.map(key).sort(), 'the findings of check --json');
    assert.deepEqual(
      shown.map((f) => f.message).sort(),
      stored.findings.map((f) => f.message).sort(),
      'the stored document’s messages',
    );
    const statuses = await o.page.$$eval('section:first-of-type .audit [data-check]', (els) =>
      Object.fromEntries(els.map((e) => [e.getAttribute('data-check'), e.getAttribute('data-status')])),
    );
    for (const [id, status] of Object.entries(statuses)) assert.equal(status, live[id as string]?.status, id);
    // the history lists both scans that hold it
    const history = await getJson<{ scans: { scan: string }[] }>(`/api/domains/${domain}/history`);
    assert.deepEqual(
      history.scans.map((s) => s.scan),
      ['tw-2'],
    );
    const secure = await getJson<{ scans: { scan: string; first: boolean }[] }>(
      '/api/domains/secure.test/history',
    );
    assert.deepEqual(
      secure.scans.map((s) => s.scan),
      ['tw-1', 'tw-2'],
    );
  } finally {
    await o.page.close();
  }
});

test('serve: the live check from the domain page runs check against the testworld and shows the result', async () => {
  const before = smtp.count('smtp-good.test');
  const o = await visit('/domains/smtp-good.test');
  try {
    await Promise.all([o.page.waitForURL(/\/check\/[\w-]+$/), o.page.click('#recheck')]);
    // app.js polls and reloads when the check is done
    await o.page.waitForSelector('.audit [data-check="smtp"]', { timeout: 90_000 });
    const smtpStatus = await o.page.getAttribute('.audit [data-check="smtp"]', 'data-status');
    assert.equal(smtpStatus, 'pass');
    assert.ok(smtp.count('smtp-good.test') > before, 'the live check connected to the testworld host');
    assertQuiet(o, 'live check');
    // the records to publish are check --fix's
    const id = new URL(o.page.url()).pathname.split('/').pop() as string;
    const job = await getJson<{ fix: { records: unknown[] } | null }>(`/api/checks/${id}`);
    const cli = await runCli(
      [
        'check',
        'smtp-good.test',
        '--fix',
        '--json',
        '--no-http',
        '--smtp-timeout',
        '5000',
        '--resolver',
        tw.resolver,
        '--allow-private',
        LOOPBACK_V4,
      ],
      env,
    );
    const fixed = JSON.parse(cli.stdout) as { fix?: { records: unknown[] } };
    assert.ok(fixed.fix, cli.stderr);
    // the MTA-STS policy id is the time it was made
    const stable = (records: unknown[] | undefined) =>
      JSON.parse(JSON.stringify(records ?? []).replace(/id=\d{8}T\d{6}/g, 'id=TIME'));
    assert.deepEqual(stable(job.fix?.records), stable(fixed.fix.records));
    assert.ok(fixed.fix.records.length > 0, 'smtp-good.test has records to publish');
    if (fixed.fix.records.length) assert.ok(await o.page.$('#fix'), 'the records to publish are shown');
  } finally {
    await o.page.close();
  }
  // the API: 202 and a job to poll; a name that is not a domain is refused
  const csrf = await fetch(`${server.url}/api/csrf`);
  const cookie = (csrf.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const { token } = (await csrf.json()) as { token: string };
  const bad = await fetch(`${server.url}/api/checks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': token },
    body: JSON.stringify({ domain: 'http://127.0.0.1:25/' }),
  });
  assert.equal(bad.status, 400);
});

test('serve: hostile scan results and reports are shown as text and execute nothing', async () => {
  // the hostile reports (hostile.test's and the one whose policy domain is a payload) and one ordinary
  const all = await getJson<{ id: string; domain: string | null }[]>('/api/reports');
  const ids = all.filter((r) => r.domain === 'hostile.test' || r.domain?.includes('<')).map((r) => r.id);
  assert.equal(ids.length, 3);
  const paths = [
    '/',
    `/scans/${encodeURIComponent(HOSTILE_SCAN)}`,
    `/scans/${encodeURIComponent(HOSTILE_SCAN)}/domains?key=mx.present`,
    `/domains/hostile.test?scan=${encodeURIComponent(HOSTILE_SCAN)}`,
    '/reports',
    '/reports/hostile.test',
    ...ids.map((id) => `/reports/view/${id}`),
  ];
  for (const path of paths) {
    const o = await visit(path);
    try {
      await o.page.waitForTimeout(50);
      assertQuiet(o, path);
      const dom = await o.page.evaluate(() => ({
        scripts: [...document.querySelectorAll('script')].map((s) => s.getAttribute('src')),
        active: document.querySelectorAll('iframe, img, object, embed, base, frame').length,
        handlers: [...document.querySelectorAll('*')].filter((e) =>
          [...e.attributes].some((a) => a.name.startsWith('on')),
        ).length,
        svgsOutsideCharts: [...document.querySelectorAll('svg')].filter((s) => !s.closest('figure.chart'))
          .length,
        links: [...document.querySelectorAll('a[href]')]
          .map((a) => a.getAttribute('href') ?? '')
          .filter((h) => !h.startsWith('/') && !h.startsWith('#') && !h.startsWith('?')),
      }));
      assert.deepEqual(
        dom,
        { scripts: ['/static/app.js'], active: 0, handlers: 0, svgsOutsideCharts: 0, links: [] },
        path,
      );
    } finally {
      await o.page.close();
    }
  }
  // the payloads reached the pages, as text
  const o = await visit('/reports/hostile.test');
  try {
    const text = (await o.page.textContent('main')) ?? '';
    for (const p of [HOSTILE.script, HOSTILE.img, HOSTILE.svg])
      assert.ok(text.includes(p), `payload ${p} shown as text`);
  } finally {
    await o.page.close();
  }
  const v = await visit(`/reports/view/${await firstReportId('hostile.test')}`);
  try {
    const text = (await v.page.textContent('main')) ?? '';
    for (const p of [HOSTILE.script, HOSTILE.img, HOSTILE.style, HOSTILE.fetch])
      assert.ok(text.includes(p), `payload ${p} shown as text in the report`);
  } finally {
    await v.page.close();
  }
  const d = await visit(`/domains/hostile.test?scan=${encodeURIComponent(HOSTILE_SCAN)}`);
  try {
    const text = (await d.page.textContent('main')) ?? '';
    assert.ok(text.includes(HOSTILE.img), 'the TXT payload as text');
  } finally {
    await d.page.close();
  }
  // downloads: attachments under a sandbox CSP
  for (const [suffix, type] of [
    ['report.json', 'application/json'],
    ['report.xml', 'application/xml'],
  ] as const) {
    const r = await fetch(`${server.url}/reports/view/${await firstReportId('hostile.test')}/${suffix}`);
    assert.equal(r.status, 200, suffix);
    assert.match(r.headers.get('content-disposition') ?? '', /^attachment; filename="[\w.-]+"$/);
    assert.equal(r.headers.get('content-security-policy'), 'sandbox');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(r.headers.get('content-type')?.startsWith(type));
    const body = await r.text();
    if (suffix === 'report.xml') {
      assert.ok(!body.includes('<script>') && body.includes('&lt;script&gt;'), 'payloads escaped in the XML');
      assert.match(body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<feedback>/);
    } else assert.equal((JSON.parse(body) as { orgName: string }).orgName, `${HOSTILE.script} Corp`);
  }
});

test('serve: off loopback it refuses to start without --token-file and --tls-cert/--tls-key; token files are checked', async () => {
  const tokenFile = join(dir, 'token');
  const gen = await runCli(['serve', '--generate-token', tokenFile]);
  assert.equal(gen.code, 0, gen.stderr);
  assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
  assert.ok(readFileSync(tokenFile, 'utf8').trim().length >= 43, 'a 256-bit token');
  const open = join(dir, 'token-0644');
  writeFileSync(open, readFileSync(tokenFile));
  chmodSync(open, 0o644);
  const weak = join(dir, 'token-weak');
  writeFileSync(weak, 'abcdef0123456789\n', { mode: 0o600 });
  const [noAuth, again, noTls, loose, w] = await Promise.all([
    runCli(['serve', '--db', db, '--listen', '0.0.0.0:0', '--resolver', tw.resolver]),
    runCli(['serve', '--generate-token', tokenFile]),
    runCli(['serve', '--db', db, '--listen', '0.0.0.0:0', '--token-file', tokenFile]),
    runCli(['serve', '--db', db, '--listen', '127.0.0.1:0', '--token-file', open]),
    runCli(['serve', '--db', db, '--listen', '127.0.0.1:0', '--token-file', weak]),
  ]);
  assert.equal(noAuth.code, 2, noAuth.stderr);
  assert.match(noAuth.stderr, /missing: --token-file, --tls-cert\/--tls-key/);
  assert.equal(again.code, 2, 'a token file is never overwritten');
  assert.equal(noTls.code, 2, noTls.stderr);
  assert.match(noTls.stderr, /missing: --tls-cert\/--tls-key/);
  assert.equal(loose.code, 2);
  assert.match(loose.stderr, /mode 0644 lets others read it/);
  assert.equal(w.code, 2);
  assert.match(w.stderr, /at most 64 bits; at least 128/);
});

/** one HTTPS request to the off-loopback server, trusting the test CA, SNI dash.test */
function call(
  base: { port: number; ca: string },
  path: string,
  o: { method?: string; headers?: Record<string, string>; body?: string; host?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: base.port,
        path,
        method: o.method ?? 'GET',
        servername: 'dash.test',
        ca: base.ca,
        headers: { host: o.host ?? `dash.test:${base.port}`, ...o.headers },
      },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    if (o.body) req.write(o.body);
    req.end();
  });
}

test('serve: with --token-file and TLS off loopback, everything but /login needs the token; CSRF, Host and login limits; a live check of a loopback MX connects nowhere', async () => {
  const tokenFile = join(dir, 'token-b');
  assert.equal((await runCli(['serve', '--generate-token', tokenFile])).code, 0);
  const token = readFileSync(tokenFile, 'utf8').trim();
  const cert = await smtp.ca.issue('dash.test');
  const b = await startServer([
    '--db',
    db,
    '--listen',
    '0.0.0.0:0',
    '--token-file',
    tokenFile,
    '--tls-cert',
    cert.chainFile,
    '--tls-key',
    cert.keyFile,
    '--server-name',
    'dash.test',
    '--resolver',
    tw.resolver,
    '--no-http',
    '--smtp-timeout',
    '3000',
  ]);
  try {
    const base = { port: Number(new URL(b.url).port), ca: smtp.ca.rootPem };
    const bearer = { authorization: `Bearer ${token}` };
    const reportId = await firstReportId('hostile.test');
    const paths = [
      '/',
      '/scans/tw-2',
      '/scans/tw-2/domains?key=spf.present',
      '/domains/smtp-good.test',
      '/reports',
      '/reports/hostile.test',
      `/reports/view/${reportId}`,
      `/reports/view/${reportId}/report.json`,
      '/check',
      '/no-such-page',
      '/api/scans',
      '/api/scans/tw-2/report',
      '/api/domains/smtp-good.test',
      '/api/reports/summary?domain=hostile.test',
      '/api/reports',
      '/api/csrf',
    ];
    for (const p of paths) {
      const r = await call(base, p);
      assert.equal(r.status, 401, `${p} without authentication`);
      assert.ok(
        !r.body.includes('dkim-ed25519') && !r.body.includes('alert('),
        `${p}: no stored data in the 401`,
      );
      const wrong = await call(base, p, { headers: { authorization: `Bearer ${token}x` } });
      assert.equal(wrong.status, 401, `${p} with a wrong token`);
      const ok = await call(base, p, { headers: bearer });
      assert.equal(ok.status, p === '/no-such-page' ? 404 : 200, `${p} with the token`);
    }
    assert.equal((await call(base, '/login')).status, 200);
    assert.equal((await call(base, '/static/app.js')).status, 200);
    assert.equal((await call(base, '/static/style.css')).status, 200);
    // DNS rebinding: a name the server does not answer as
    assert.equal(
      (await call(base, '/api/scans', { headers: bearer, host: `evil.test:${base.port}` })).status,
      421,
    );
    assert.equal((await call(base, '/login', { host: 'evil.test' })).status, 421);
    // headers of every page
    const page = await call(base, '/', { headers: bearer });
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.match(String(page.headers['strict-transport-security']), /max-age=\d+/);

    // login: the form's CSRF token, then the session cookie's flags
    const form = await call(base, '/login');
    const csrfCookie = String((form.headers['set-cookie'] as string[])[0]).split(';')[0] as string;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] as string;
    assert.ok(csrf);
    const post = (body: Record<string, string>, headers: Record<string, string> = {}) =>
      call(base, '/login', {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: `https://dash.test:${base.port}`,
          cookie: csrfCookie,
          ...headers,
        },
        body: new URLSearchParams(body).toString(),
      });
    const login = await post({ _csrf: csrf, token, next: '/reports' });
    assert.equal(login.status, 303);
    assert.equal(login.headers.location, '/reports');
    const session = (login.headers['set-cookie'] as string[]).find((c) => c.startsWith('mailsec_session='));
    assert.ok(session, 'a session cookie');
    assert.match(session, /; HttpOnly/);
    assert.match(session, /; Secure/);
    assert.match(session, /; SameSite=Strict/);
    const sessionCookie = session.split(';')[0] as string;
    const withSession = await call(base, '/reports', {
      headers: { cookie: `${sessionCookie}; ${csrfCookie}` },
    });
    assert.equal(withSession.status, 200);
    // state-changing requests: no CSRF token, or another origin, is refused — with a session too
    const checkForm = (headers: Record<string, string>, body: Record<string, string>) =>
      call(base, '/check', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(body).toString(),
      });
    const cookies = { cookie: `${sessionCookie}; ${csrfCookie}` };
    assert.equal((await checkForm(cookies, { domain: 'smtp-good.test' })).status, 403, 'no CSRF token');
    assert.equal(
      (
        await checkForm(
          { ...cookies, origin: 'https://evil.test' },
          { domain: 'smtp-good.test', _csrf: csrf },
        )
      ).status,
      403,
      'another origin',
    );
    assert.equal(
      (
        await checkForm(
          { ...cookies, 'sec-fetch-site': 'cross-site' },
          { domain: 'smtp-good.test', _csrf: csrf },
        )
      ).status,
      403,
      'a cross-site fetch',
    );
    assert.equal(
      (
        await call(base, '/api/checks', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...cookies },
          body: JSON.stringify({ domain: 'smtp-good.test' }),
        })
      ).status,
      403,
      'API with a session but no CSRF token',
    );
    assert.equal(
      (
        await call(base, '/api/checks', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer, origin: 'https://evil.test' },
          body: JSON.stringify({ domain: 'smtp-good.test' }),
        })
      ).status,
      403,
      'API with the token from another origin',
    );
    assert.equal((await checkForm({}, { domain: 'smtp-good.test' })).status, 401, 'no authentication at all');

    // live checks through the bearer token: every MX is a loopback or private address, outside --live-allow-private
    const before = smtp.counts();
    const jobs = await Promise.all(
      ['smtp-good.test', 'mx-kinds.test'].map(async (domain) => {
        const submitted = await call(base, '/api/checks', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer },
          body: JSON.stringify({ domain }),
        });
        assert.equal(submitted.status, 202, submitted.body);
        const { id } = JSON.parse(submitted.body) as { id: string };
        type Doc = {
          mx: { records: { exchange: string; kind: string }[] };
          smtp: { status: string; hosts: { outcome: string }[] };
        };
        let job: { state: string; document: Doc | null } = { state: 'queued', document: null };
        for (let i = 0; i < 300 && (job.state === 'queued' || job.state === 'running'); i++) {
          await new Promise((r) => setTimeout(r, 200));
          job = JSON.parse((await call(base, `/api/checks/${id}`, { headers: bearer })).body);
        }
        assert.equal(job.state, 'done', domain);
        return { domain, doc: job.document as Doc };
      }),
    );
    for (const { domain, doc } of jobs) {
      const kinds = doc.mx.records.map((r) => r.kind);
      assert.ok(
        kinds.every((k) =>
          ['localhost', 'private', 'null', 'unresolvable', 'ip-literal', 'cname'].includes(k),
        ) && kinds.some((k) => k === 'localhost' || k === 'private'),
        `${domain}: MX kinds ${kinds.join(', ')}`,
      );
      assert.ok(
        doc.smtp.hosts.every((h) => h.outcome === 'refused-address' || h.outcome === 'skipped'),
        `${domain}: ${JSON.stringify(doc.smtp.hosts)}`,
      );
    }
    assert.deepEqual(smtp.counts(), before, 'no connection to any testworld SMTP host');

    // request size limits: a form body over 16 KiB, a JSON body over 64 KiB
    const big = await call(base, '/api/checks', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer },
      body: JSON.stringify({ domain: 'x'.repeat(70_000) }),
    });
    assert.equal(big.status, 413);

    // login attempts are rate-limited per address: 5 a minute
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await post({ _csrf: csrf, token: 'wrong' })).status);
    assert.deepEqual(statuses.slice(0, 4), [401, 401, 401, 401], 'wrong tokens');
    assert.equal(statuses.at(-1), 429, 'rate-limited');
  } finally {
    await b.stop();
  }
});

test('serve: a scan writing into the database while the server serves: both keep working', async () => {
  const list = join(dir, 'third.txt');
  writeFileSync(list, `${SECOND.join('\n')}\n`);
  const scan = spawn(process.execPath, [MAIN, ...scanArgs(list, 'tw-3'), '--concurrency', '2'], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let scanErr = '';
  scan.stderr.on('data', (d) => {
    scanErr += d;
  });
  const exited = new Promise<number | null>((r) => scan.on('close', r));
  let served = 0;
  let running = true;
  void exited.then(() => {
    running = false;
  });
  try {
    while (running) {
      for (const p of ['/api/scans', '/scans/tw-2?compare=none', '/domains/smtp-good.test', '/reports']) {
        const r = await fetch(server.url + p);
        assert.equal(r.status, 200, `${p} during the scan: ${r.status}`);
        await r.arrayBuffer();
        // answered while the scan still runs (readers beside the writer, not after it)
        if (running) served++;
      }
    }
    assert.equal(await exited, 0, scanErr);
  } finally {
    if (scan.exitCode === null) scan.kill('SIGKILL');
  }
  assert.ok(served >= 4, `${served} requests answered while the scan ran`);
  // the server shares one scan reader for 2 s: what the scan stored last shows once that reader is
  // renewed (asking at once can still see the reader opened before the scan's last parts)
  let stored: number | undefined;
  for (const until = Date.now() + 20_000; Date.now() < until; await sleep(250)) {
    const scans = await getJson<{ name: string; stored: number }[]>('/api/scans');
    stored = scans.find((s) => s.name === 'tw-3')?.stored;
    if (stored === SECOND.length) break;
  }
  assert.equal(stored, SECOND.length);
});
