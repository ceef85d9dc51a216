/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * End to end (issue 11): `mailsec scan` of testworld domains (SMTP and HTTPS hosts live), then
 * `mailsec report --format html`, opened in headless Chromium (Debian's, through playwright-core):
 * no console message, no request but the file itself, every topic's chart drawn, every number on
 * the page equal to `report --json`; light and dark; a screenshot; the PDF. A second scan of
 * hostile.test (payloads in records, SMTP greeting and certificate issuer), with a payload as
 * scan name and input file name, renders a page in which Chromium sees no dialog, no console
 * message and no request.
 *
 * MAILSEC_UPDATE_SCREENSHOT=1 also writes docs/img/report.png (the README's picture) and
 * docs/img/report-dane.png (docs/scan.md: the DANE and MTA-STS sections).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { TOPICS } from '../src/render/html/topics.ts';
import type { TldReport } from '../src/render/tld-report.ts';
import { type HttpsHosts, startHttpsHosts } from '../testworld/https/index.ts';
import { startTestworld, type Testworld } from '../testworld/index.ts';
import { HOSTILE } from '../testworld/scenarios/hostile.ts';
import { type SmtpHosts, startSmtpHosts } from '../testworld/smtp/index.ts';
import { launchChromium, openPage } from './browser.ts';
import { LOOPBACK_V4, ROOT, runCli } from './helpers.ts';

const DOMAINS = [
  'secure.test',
  'insecure.test',
  'bogus.test',
  'servfail.test',
  'caa-critical.test',
  'nocaa.test',
  'nomx.test',
  'nullmx.test',
  'nullmx-mixed.test',
  'mx-kinds.test',
  'full.test',
  'dkim-ed25519.test',
  'dkim-1024.test',
  'dmarc-none.test',
  'dmarc-two.test',
  'm365-tenant.test',
  'm365-fed.test',
  'smtp-good.test',
  'smtp-none.test',
  'smtp-refused.test',
  'smtp-expired.test',
  'smtp-selfsigned.test',
  'dane-ee.test',
  'dane-ee-bad.test',
  'dane-ta.test',
  'dane-insecure.test',
  'shared-a.test',
  'two-mx.test',
  'sts-good.test',
  'sts-404.test',
  'sts-mxout.test',
  'sectxt-good.test',
  'sectxt-expired.test',
  'sectxt-html.test',
  'bimi-good.test',
  'bimi-badsvg.test',
  'bimi-down.test',
  'sts-down.test',
  'did-good.test',
  'did-forged.test',
];
const HOSTILE_SCAN = `${HOSTILE.script}${HOSTILE.img}`;
const HOSTILE_INPUT = `"><img src=x onerror=alert(7)>.txt`;

let tw: Testworld;
let smtp: SmtpHosts;
let https: HttpsHosts;
let dir: string;
let browser: Browser;
let db: string;
let env: Record<string, string>;

before(async () => {
  tw = await startTestworld();
  [smtp, https, browser] = await Promise.all([
    startSmtpHosts(tw, { postfix: false, ipv6: false }),
    startHttpsHosts(tw),
    launchChromium(),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'mailsec-html-'));
  const ca = join(dir, 'roots.pem');
  writeFileSync(ca, readFileSync(smtp.caFile, 'utf8') + readFileSync(https.caFile, 'utf8'));
  env = { NODE_EXTRA_CA_CERTS: ca };
  db = join(dir, 'scan.duckdb');
  writeFileSync(join(dir, 'tw.txt'), `${DOMAINS.join('\n')}\n`);
  writeFileSync(join(dir, HOSTILE_INPUT), 'hostile.test\nsmtp-good.test\nsts-good.test\n');
  const scan = (input: string, name: string) =>
    runCli(
      [
        'scan',
        join(dir, input),
        '--db',
        db,
        '--scan',
        name,
        '--allow-private',
        LOOPBACK_V4,
        '--resolver',
        tw.resolver,
        '--smtp-timeout',
        '10000',
        '--http-timeout',
        '10000',
        '--concurrency',
        '16',
        '--json',
      ],
      env,
      180_000,
    );
  // one writer at a time on the database
  for (const [input, name] of [
    ['tw.txt', 'tw'],
    [HOSTILE_INPUT, HOSTILE_SCAN],
  ] as const) {
    const r = await scan(input, name);
    assert.equal(r.code, 0, r.stderr);
  }
});
after(async () => {
  await browser?.close();
  await Promise.all([smtp?.stop(), https?.stop()]);
  await tw?.stop();
  if (dir && !process.env.KEEP) rmSync(dir, { recursive: true, force: true });
});

async function reportJson(scan: string): Promise<TldReport> {
  const r = await runCli(['report', '--db', db, '--scan', scan, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as TldReport;
}

async function reportHtml(scan: string, file: string): Promise<string> {
  const out = join(dir, file);
  const r = await runCli(['report', '--db', db, '--scan', scan, '--format', 'html', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  return out;
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

/** every [data-path] figure on the page equals the JSON; every chart mark's figure too */
async function assertPageEqualsJson(page: Page, r: TldReport): Promise<{ figures: number; marks: number }> {
  const figures = await page.$$eval('[data-path]', (els) =>
    els.map((e) => [e.getAttribute('data-path') ?? '', e.textContent ?? ''] as const),
  );
  for (const [path, text] of figures) {
    let expected = at(r, path);
    if (expected === undefined && /\.skipped\/count$/.test(path)) expected = 0;
    if (expected === undefined && /\.skipped\/percent$/.test(path))
      expected = at(r, path.replace(/\.skipped\/percent$/, '/denominator')) ? 0 : null;
    assert.equal(parsePrinted(text), expected, `${path}: printed "${text}", JSON ${String(expected)}`);
  }
  // a figure without data-path would escape the comparison: every numeric cell has one
  const untagged = await page.$$eval(
    'td.num',
    (els) =>
      els.filter(
        (e) =>
          !e.hasAttribute('data-path') && !e.querySelector('[data-path]') && /\d/.test(e.textContent ?? ''),
      ).length,
  );
  assert.equal(untagged, 0, 'numeric cells without data-path');
  const labels = await page.$$eval('figure.chart svg [aria-label]', (els) =>
    els.map((e) => e.getAttribute('aria-label') ?? ''),
  );
  const shares = new Map<string, { count: number; denominator: number }>();
  for (const l of [r.providers, r.issuers, r.software]) for (const s of l) shares.set(s.name, s);
  let marks = 0;
  for (const l of labels) {
    const m = /^(?:\S+ )?(.*): (\d+) of (\d+) \(([\d.]+|–) %\)$/s.exec(l);
    if (!m) continue;
    const key = m[1] as string;
    const count = Number(m[2]);
    const denominator = Number(m[3]);
    const s = r.stats[key] ?? shares.get(key) ?? shares.get(l.slice(0, l.lastIndexOf(': ')));
    if (s) assert.deepEqual([count, denominator], [s.count, s.denominator], l);
    else if (key.endsWith('.skipped')) assert.equal(count, 0, l);
    else if (key.endsWith('.no')) {
      const k = key.slice(0, -3);
      const x = r.stats[k];
      assert.ok(x, l);
      const rest =
        x.denominator - x.count - (r.stats[`${k}.error`]?.count ?? 0) - (r.stats[`${k}.skipped`]?.count ?? 0);
      assert.equal(count, rest, l);
    } else assert.ok(key.endsWith('.rest'), `a chart mark for an unknown key: ${l}`);
    marks++;
  }
  return { figures: figures.length, marks };
}

/** PNG width and height from its IHDR chunk */
function pngSize(file: string): { width: number; height: number; bytes: number } {
  const b = readFileSync(file);
  assert.equal(b.subarray(1, 4).toString('latin1'), 'PNG');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), bytes: b.length };
}

test('report --format html: loads offline in Chromium with no console message and no request; charts drawn; every number equals report --json', async () => {
  const r = await reportJson('tw');
  assert.equal(r.domains, DOMAINS.length);
  assert.equal(r.methodology?.stored, DOMAINS.length);
  const file = await reportHtml('tw', 'report.html');
  const { page, context, events, url } = await openPage(browser, file);
  try {
    assert.deepEqual(events.requests, [url], 'requests besides the document');
    assert.deepEqual(events.console, []);
    assert.deepEqual(events.pageErrors, []);
    assert.deepEqual(events.dialogs, []);
    // every topic: a chart with drawn marks (non-zero area)
    for (const t of TOPICS) {
      const drawn = await page.$$eval(
        `section#${t.id} figure.chart svg .role-mark path`,
        (els) =>
          els.filter((e) => {
            const b = (e as SVGGraphicsElement).getBBox();
            return b.width > 0 && b.height > 0;
          }).length,
      );
      assert.ok(drawn > 0, `topic ${t.id}: no drawn chart mark`);
    }
    const { figures, marks } = await assertPageEqualsJson(page, r);
    assert.ok(figures > 300, `${figures} figures compared`);
    assert.ok(marks > 100, `${marks} chart marks compared`);
    // the methodology block names what the stored scan has
    const method = await page.textContent('#methodology');
    assert.ok(method?.includes('tw.txt') && method.includes(tw.resolver), method ?? '');
    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    const png = pngSize(shot);
    assert.equal(png.width, 1100);
    assert.ok(png.height > 5000 && png.bytes > 100_000, JSON.stringify(png));
    if (process.env.MAILSEC_UPDATE_SCREENSHOT === '1') {
      await page.setViewportSize({ width: 980, height: 1000 });
      const top = await page.$eval('#starttls', (e) => e.getBoundingClientRect().top + window.scrollY);
      await page.screenshot({
        path: join(ROOT, 'docs/img/report.png'),
        fullPage: true,
        clip: { x: 0, y: top - 10, width: 980, height: 1000 },
      });
      // the statistics only mailsec gives (DANE against the live certificate, MTA-STS that would
      // deliver under enforce), each over its own denominator
      const dane = await page.$eval('#dane', (e) => e.getBoundingClientRect().top + window.scrollY);
      await page.screenshot({
        path: join(ROOT, 'docs/img/report-dane.png'),
        fullPage: true,
        clip: { x: 0, y: dane - 10, width: 980, height: 1250 },
      });
    }
  } finally {
    await context.close();
  }
  // dark: the page follows prefers-color-scheme, and chart text follows the page
  const dark = await openPage(browser, file, { colorScheme: 'dark' });
  try {
    const colours = await dark.page.evaluate(() => ({
      bg: getComputedStyle(document.documentElement).backgroundColor,
      fg: getComputedStyle(document.body).color,
      chartText: getComputedStyle(document.querySelector('figure.chart svg text') as Element).fill,
    }));
    assert.equal(colours.bg, 'rgb(18, 21, 27)');
    assert.equal(colours.fg, 'rgb(230, 233, 239)');
    assert.equal(colours.chartText, colours.fg);
    assert.deepEqual(dark.events.console, []);
  } finally {
    await dark.context.close();
  }
});

test('report --format pdf: Debian Chromium prints the report; a missing Chromium is a clear error (exit 3)', async () => {
  const out = join(dir, 'report.pdf');
  const r = await runCli(['report', '--db', db, '--scan', 'tw', '--format', 'pdf', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const pdf = readFileSync(out);
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  assert.ok(statSync(out).size > 20_000, `${statSync(out).size} bytes`);
  assert.ok((pdf.toString('latin1').match(/\/Type\s*\/Page\b/g) ?? []).length >= 3, 'at least 3 pages');
  const missing = await runCli([
    'report',
    '--db',
    db,
    '--format',
    'pdf',
    '--out',
    join(dir, 'x.pdf'),
    '--chromium',
    join(dir, 'no-such-chromium'),
  ]);
  assert.equal(missing.code, 3, missing.stderr);
  assert.match(missing.stderr, /no-such-chromium: Chromium is not installed there/);
  assert.throws(() => statSync(join(dir, 'x.pdf')));
});

test('report --format html of a hostile scan: payloads in records, banner, issuer, scan name and input are text; no dialog, no console message, no request', async () => {
  const r = await reportJson(HOSTILE_SCAN);
  // the payloads did reach the document the page is made from
  assert.ok(
    r.issuers.some((i) => i.name.includes('onerror=alert(6)')),
    JSON.stringify(r.issuers),
  );
  assert.ok(
    r.providers.some((p) => p.name.includes('<svg')),
    JSON.stringify(r.providers),
  );
  assert.equal(r.scan, HOSTILE_SCAN);
  assert.ok(r.methodology?.input?.endsWith(HOSTILE_INPUT));
  const file = await reportHtml(HOSTILE_SCAN, 'hostile.html');
  const { page, context, events, url } = await openPage(browser, file);
  try {
    await page.waitForTimeout(300);
    assert.deepEqual(events.dialogs, []);
    assert.deepEqual(events.console, []);
    assert.deepEqual(events.pageErrors, []);
    assert.deepEqual(events.requests, [url]);
    const counts = await page.evaluate(() => ({
      scripts: document.querySelectorAll('script, iframe, img, object, embed, link, base, form').length,
      svgs: document.querySelectorAll('svg').length,
      charts: document.querySelectorAll('figure.chart').length,
      handlers: [...document.querySelectorAll('*')].filter((e) =>
        [...e.attributes].some((a) => a.name.startsWith('on')),
      ).length,
    }));
    assert.deepEqual(
      { scripts: counts.scripts, handlers: counts.handlers, svgs: counts.svgs },
      { scripts: 0, handlers: 0, svgs: counts.charts },
    );
    // shown as text, as they were
    const text = (await page.textContent('body')) ?? '';
    assert.ok(text.includes(HOSTILE_SCAN), 'the scan name as text');
    assert.ok(text.includes(HOSTILE_INPUT), 'the input name as text');
    const issuer = r.issuers.find((i) => i.name.includes('onerror=alert(6)'))?.name as string;
    assert.ok(text.includes(issuer), 'the issuer as text');
    const chartText = await page.$$eval('section#issuers svg text', (els) =>
      els.map((e) => e.textContent ?? ''),
    );
    assert.ok(
      chartText.some((t) => t.includes('<img src=x')),
      chartText.join(' | '),
    );
    await assertPageEqualsJson(page, r);
  } finally {
    await context.close();
  }
});
