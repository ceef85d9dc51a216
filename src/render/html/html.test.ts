import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { allCatalogues } from '../../core/finding.ts';
import { statisticsDocument } from '../../statistics/document.ts';
import { computeStats, STATISTIC_KEYS } from '../../statistics/stats.ts';
import type { TldReport } from '../tld-report.ts';
import { assertSafeSvg, renderSvg, shareBarSpec } from './charts.ts';
import { contentSecurityPolicy, formatCount, formatPercent, renderHtml } from './index.ts';
import { CSS } from './template.ts';
import { TOPICS } from './topics.ts';

const PAYLOADS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(2)>',
  "'><svg onload=alert(3)>",
  ']]><iframe src="javascript:alert(4)"></iframe>',
  '&lt;b&gt;already escaped&amp;',
  '</style><script>alert(5)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection payload
  '{{constructor.constructor("alert(6)")()}} <%= it %> ${alert(7)}',
];

/** documents shaped like `check --json` output, some with hostile strings */
function docs(n: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const payload = PAYLOADS[i % PAYLOADS.length] as string;
    out.push({
      domain: `d${i}.ch`,
      checkedAt: `2026-11-01T10:${String(i % 60).padStart(2, '0')}:00.000Z`,
      resolver: { address: '127.0.0.53', validates: i % 10 !== 0 },
      dnssec: {
        status: i % 7 === 0 ? 'error' : i % 3 ? 'pass' : 'absent',
        validation: i % 3 ? 'secure' : 'insecure',
      },
      caa: { status: i % 2 ? 'pass' : 'absent', records: i % 2 ? [{}] : [] },
      securityTxt: { status: 'skipped' },
      mx: {
        status: 'pass',
        records:
          i % 9 === 0 ? [] : [{ exchange: `mx.${i % 4 ? 'provider.ch' : `${payload}.ch`}`, kind: 'host' }],
      },
      spf: {
        // error: the TXT lookup failed, so there is no record to count from
        status: i % 5 ? 'pass' : 'error',
        record: i % 5 ? 'v=spf1 -all' : null,
        records: i % 5 ? ['v=spf1 -all'] : [],
        all: ['-all', '~all', '?all', '+all', null][i % 5],
      },
      dmarc: { status: 'pass', record: 'x', policy: ['none', 'reject', 'quarantine', null][i % 4], rua: [] },
      smtp: {
        status: i % 6 === 0 ? 'skipped' : 'pass',
        starttlsSupport: i % 6 === 0 ? 'skipped' : ['all', 'some', 'none', 'error'][i % 4],
        hosts: [
          {
            banner: `220 mx ${payload} ESMTP ${i % 2 ? 'Postfix' : ''}`,
            certificate: { issuer: `O=${payload},CN=x` },
            dane: { status: 'none', records: [] },
          },
        ],
      },
    });
  }
  return out;
}

function report(): TldReport {
  return {
    ...statisticsDocument(PAYLOADS[0] as string, computeStats(docs(120))),
    methodology: {
      scan: PAYLOADS[0] as string,
      started: '2026-11-01 10:00:00+00',
      input: PAYLOADS[1] as string,
      total: 121,
      stored: 120,
      firstChecked: '2026-11-01T10:00:00.000Z',
      lastChecked: '2026-11-01T10:59:00.000Z',
      resolvers: ['127.0.0.53'],
      resolverValidated: { yes: 108, no: 12 },
      options: { noSmtp: false, selectors: [PAYLOADS[2] as string], ehlo: PAYLOADS[5] as string, only: null },
    },
  };
}

const OPTS = { version: '0.1.0', generatedAt: '2026-11-02T00:00:00.000Z' };

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };
const decode = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ENTITIES[e] as string);

/** the value at a data-path in the JSON document */
function at(doc: unknown, path: string): unknown {
  const parts = path.split('/');
  let v: unknown = doc;
  for (const p of parts) v = v === undefined || v === null ? undefined : (v as Record<string, unknown>)[p];
  return v;
}

/** number as printed → number ("1 234" → 1234, "12.50 %" → 12.5, "–" → null, "+3" → 3, "−2" → -2) */
function parsePrinted(text: string): number | null {
  const t = text.replace(/[\s\u202f]|%|pp|±/g, '').replace('−', '-');
  if (t === '–') return null;
  return Number(t);
}

/** every data-path figure equals the JSON; returns how many were compared */
function assertPrintedEqualsJson(html: string, doc: unknown): number {
  let n = 0;
  for (const m of html.matchAll(/data-path="([^"]+)">([^<]*)</g)) {
    const path = decode(m[1] as string);
    const printedValue = parsePrinted(decode(m[2] as string));
    let expected = at(doc, path);
    // `<key>.skipped` is left out of the document when it counts nothing
    if (expected === undefined && /\.skipped\/(count|percent)$/.test(path)) {
      const base = at(doc, path.replace(/\.skipped\/(count|percent)$/, '/denominator')) as number;
      expected = path.endsWith('count') ? 0 : base ? 0 : null;
    }
    if (expected === undefined && /\.error\/percent$/.test(path)) expected = null;
    assert.equal(printedValue, expected, `${path}: printed ${m[2]}, JSON ${String(expected)}`);
    n++;
  }
  return n;
}

/** every chart mark's `<key>: <count> of <denominator>` agrees with the JSON */
function assertChartsEqualJson(html: string, r: TldReport): number {
  let n = 0;
  const names = new Map<string, { count: number; denominator: number }>();
  for (const list of [r.providers, r.issuers, r.software]) for (const s of list) names.set(s.name, s);
  for (const m of html.matchAll(/aria-label="([^"]*?): (\d+) of (\d+) \(([\d.]+|–) %\)"/g)) {
    const key = decode(m[1] as string);
    const count = Number(m[2]);
    const denominator = Number(m[3]);
    const s = r.stats[key];
    if (s) assert.deepEqual([count, denominator], [s.count, s.denominator], key);
    else if (key.endsWith('.skipped')) assert.equal(count, 0, key);
    else if (key.endsWith('.no')) {
      const k = key.slice(0, -3);
      const x = r.stats[k];
      assert.ok(x, key);
      const err = r.stats[`${k}.error`]?.count ?? 0;
      const skip = r.stats[`${k}.skipped`]?.count ?? 0;
      assert.equal(count, x.denominator - x.count - err - skip, key);
    } else if (key.endsWith('.rest')) assert.ok(count >= 0, key);
    else {
      const share = names.get(key);
      assert.ok(share, `chart mark for an unknown key ${key}`);
      assert.deepEqual([count, denominator], [share.count, share.denominator], key);
    }
    n++;
  }
  return n;
}

const HTML_ELEMENTS = new Set(
  'html head meta title style body header h1 h2 h3 p b ul li nav ol a section dl dt dd code span table thead tbody tr th td br em figure div pre footer'.split(
    ' ',
  ),
);
const SVG_ELEMENTS = new Set('svg g path rect line text tspan circle defs clipPath title desc'.split(' '));

/** every tag in the page is one the template writes or vega draws; no attribute is an event handler */
function assertOnlyKnownMarkup(html: string): void {
  for (const m of html.matchAll(/<(\/?)([a-zA-Z][\w:-]*)([^>]*)>/g)) {
    const name = m[2] as string;
    assert.ok(HTML_ELEMENTS.has(name) || SVG_ELEMENTS.has(name), `unexpected element <${name}>`);
    for (const a of (m[3] as string).matchAll(/\s([^\s=]+)(?:="[^"]*")?/g)) {
      const attr = (a[1] as string).toLowerCase();
      assert.ok(!attr.startsWith('on'), `event handler attribute ${attr} on <${name}>`);
      assert.ok(attr !== 'src' && attr !== 'srcdoc' && attr !== 'style', `attribute ${attr} on <${name}>`);
    }
  }
}

test('html: hostile names, scan, input and options are escaped; nothing but the template and the charts is markup', async () => {
  const r = report();
  const html = await renderHtml(r, OPTS);
  assert.ok(!/<script/i.test(html), 'a script element');
  assert.ok(!html.includes('<img') && !html.includes('<iframe') && !html.includes('<svg onload'));
  for (const p of PAYLOADS.slice(0, 3)) assert.ok(!html.includes(p), `raw payload ${p}`);
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the scan name, escaped');
  assert.ok(html.includes('&amp;lt;b&amp;gt;already escaped&amp;amp;'), 'escaped text is escaped again');
  assert.equal(html.match(/<style>/g)?.length, 1);
  assertOnlyKnownMarkup(html);
  // the hostile issuer names reach the charts as text, escaped by vega
  assert.ok(
    html.includes('&lt;svg onload=alert(3)&gt;') || html.includes("'&gt;&lt;svg onload=alert(3)&gt;"),
  );
});

test('html: the CSP forbids script and allows only the template style, by hash', async () => {
  const html = await renderHtml(report(), OPTS);
  const csp = contentSecurityPolicy();
  assert.match(csp, /^default-src 'none'; /);
  assert.ok(!csp.includes('script-src') && !csp.includes('unsafe'));
  const hash = createHash('sha256').update(CSS).digest('base64');
  assert.ok(csp.includes(`style-src 'sha256-${hash}'`));
  assert.ok(
    html.includes(`<meta http-equiv="Content-Security-Policy" content="${csp.replace(/'/g, '&#39;')}">`),
  );
  assert.ok(html.includes(`<style>${CSS}</style>`));
  // the CSP comes before anything that could load or apply
  assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<style>'));
});

test('html: every printed figure and every chart mark equals the JSON document', async () => {
  const r = report();
  const html = await renderHtml(r, OPTS);
  const figures = assertPrintedEqualsJson(html, r);
  assert.ok(figures > 200, `${figures} figures`);
  const marks = assertChartsEqualJson(html, r);
  assert.ok(marks > 60, `${marks} chart marks`);
  // every topic has a chart, and every key of the document is shown
  for (const t of TOPICS)
    assert.match(html, new RegExp(`<figure class="chart" data-topic="${t.id}"><svg`), t.id);
  for (const k of Object.keys(r.stats)) assert.ok(html.includes(`data-path="stats/${k}/count"`), k);
});

test('html: could-not-test and not-tested are shown apart, never folded into "no"', async () => {
  const r = report();
  const html = await renderHtml(r, OPTS);
  const err = r.stats['spf.present.error'];
  assert.ok(err && err.count > 0);
  assert.ok(html.includes(`data-path="stats/spf.present.error/count">${formatCount(err.count)}<`));
  assert.ok(html.includes(`aria-label="spf.present.error: ${err.count} of ${err.denominator}`));
  const skip = r.stats['securityTxt.present.skipped'];
  assert.equal(skip?.count, r.domains);
  assert.ok(
    html.includes(`aria-label="securityTxt.present.skipped: ${r.domains} of ${r.domains} (100.00 %)"`),
  );
  assert.ok(html.includes(`aria-label="securityTxt.present.no: 0 of ${r.domains}`));
});

test('html: comparison and trend slot in: previous, change (arrows), largest changes, trend charts', async () => {
  const base = report();
  const stats = Object.fromEntries(
    Object.entries(base.stats).map(([k, s], i) => {
      const previous = {
        count: Math.max(0, s.count - (i % 3)),
        denominator: s.denominator,
        percent: s.percent,
      };
      const pp = i % 3 === 0 ? 0 : i % 3 === 1 ? 1.25 : -2.5;
      return [
        k,
        {
          ...s,
          previous,
          change: { count: s.count - previous.count, percentPoints: pp },
          changeCommon: { count: i % 3 },
        },
      ];
    }),
  );
  const r: TldReport = {
    ...base,
    stats,
    compare: { scan: 'ch-2026-08', domains: 118, added: 4, removed: 2, common: 116 },
    trend: [
      { scan: 'ch-2026-05', started: '2026-05-01', stats: base.stats },
      { scan: 'ch-2026-08', started: '2026-08-01', stats: base.stats },
      { scan: 'ch-2026-11', started: '2026-11-01', stats: base.stats },
    ],
  };
  const html = await renderHtml(r, OPTS);
  assert.match(html, /<section id="changes">/);
  assert.ok(html.includes('▲') && html.includes('▼'));
  assert.ok(html.includes('data-path="compare/added">4<'));
  assert.ok(html.includes('data-path="stats/spf.present/previous/count"'));
  assertPrintedEqualsJson(html, r);
  // a trend chart: one point per scan and key
  assert.ok(html.includes('aria-label="ch-2026-05 dnssec.signed: '));
});

test('html: formatting of counts and percentages', () => {
  assert.equal(formatCount(2512345), '2\u202f512\u202f345');
  assert.equal(formatCount(0), '0');
  assert.equal(formatPercent(null), '–');
  assert.equal(formatPercent(12.5), '12.50\u202f%');
});

test('html: every advice id of the topics is in a findings catalogue', () => {
  const ids = new Set(allCatalogues().flatMap((c) => Object.keys(c.defs).map((s) => `${c.check}.${s}`)));
  for (const t of TOPICS) for (const a of t.advice) assert.ok(ids.has(a), a);
});

test('charts: vega escapes hostile text in SVG; the SVG check refuses scripts, handlers and references', async () => {
  const values = PAYLOADS.map((name, i) => ({
    name,
    order: i,
    percent: 10 + i,
    description: `${name}: 1 of 10 (10.00 %)`,
  }));
  const svg = await renderSvg(shareBarSpec(values, '%'));
  assert.ok(!svg.includes('<script') && !svg.includes('<img') && !svg.includes('<iframe'));
  assert.ok(svg.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assertSafeSvg(svg);
  for (const bad of [
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><g onload="alert(1)"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><image href="https://x.test/a.png"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><div/></foreignObject></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(https://x.test/#a)"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><text style="x">a</text></svg>',
    '<svg><text>unclosed</svg>',
  ])
    assert.throws(() => assertSafeSvg(bad), bad);
});

test('charts: the loader loads nothing — a spec naming a URL fails instead of fetching', async () => {
  const spec = { ...shareBarSpec([], '%'), data: { url: 'https://tracker.elsewhere.test/data.json' } };
  await assert.rejects(renderSvg(spec), /load nothing/);
});

test('every statistic key has its topic (none falls to "Other statistics"), with its label and denominator in words', async () => {
  const listed = new Set(TOPICS.flatMap((t) => [...(t.keys ?? []), ...(t.split?.keys ?? [])]));
  assert.deepEqual(
    STATISTIC_KEYS.map((k) => k.key).filter((k) => !listed.has(k)),
    [],
  );
  const r = statisticsDocument('t', computeStats([])) as unknown as TldReport;
  const html = await renderHtml(r, { version: '0', generatedAt: '2026-01-01T00:00:00Z' });
  assert.ok(!html.includes('Other statistics'));
  for (const [key, base] of [
    ['dane.invalid', 'domains with TLSA records'],
    ['mtaSts.enforceReady', 'domains with MTA-STS record'],
    ['dmarc.ruaUnauthorised', 'domains with aggregate reports (rua)'],
    ['did.verified', 'domains with DID configuration served'],
    ['spf.present', 'domains with MX'],
    ['caa.present', 'all domains'],
  ] as const)
    assert.match(
      html,
      new RegExp(`<code>${key.replace(/\./g, '\\.')}</code>[\\s\\S]{0,400}${base.replace(/[()]/g, '\\$&')}`),
      key,
    );
});

test('--provider: the page says every figure is over one provider’s domains, escaped', async () => {
  const r = {
    ...(statisticsDocument('t', computeStats([])) as unknown as TldReport),
    scope: { provider: '<b>x</b>.example', kind: 'mx' as const },
  };
  const html = await renderHtml(r, { version: '0', generatedAt: '2026-01-01T00:00:00Z' });
  assert.match(
    html,
    /<p class="scope" id="scope">Only the domains with an MX host under &lt;b&gt;x&lt;\/b&gt;\.example/,
  );
  const plain = await renderHtml(statisticsDocument('t', computeStats([])) as unknown as TldReport, {
    version: '0',
    generatedAt: '2026-01-01T00:00:00Z',
  });
  assert.ok(!plain.includes('class="scope"'));
});
