/**
 * `mailsec report --format html`: the TLD report as one self-contained HTML file. Charts are SVG
 * rendered here (charts.ts); the page is filled by an Eta template with auto-escaping on
 * (template.ts), so every value from scanned data reaches the page escaped; a CSP meta tag
 * forbids script, and the only style is the template's own (allowed by its hash).
 *
 * Numbers: every printed figure is the JSON document's own value (never recomputed) and carries
 * `data-path` (its place in the JSON: `stats/spf.present/count`, `providers/3/percent`, …), so a
 * test reads the page back and compares. The only derived figure is the "no" share of a bar
 * (denominator − yes − could not test − not tested), named `<key>.no` in the chart.
 */
import { createHash } from 'node:crypto';
import { Eta } from 'eta';
// the check registry defines every findings catalogue (allCatalogues() below)
import '../../checks/index.ts';
import { allCatalogues } from '../../core/finding.ts';
import type { ReportStat, ShareFigure, StatFigure, TldReport } from '../tld-report.ts';
import {
  type BarSegment,
  renderSvg,
  type SegmentStyle,
  shareBarSpec,
  stackedBarSpec,
  type TrendDatum,
  trendSpec,
} from './charts.ts';
import { CSS, TEMPLATE } from './template.ts';
import { KEY_LABELS, label, type Split, TOPICS, type Topic } from './topics.ts';

export interface HtmlOptions {
  /** the mailsec version that renders the report */
  readonly version: string;
  /** when the report is rendered (ISO 8601) */
  readonly generatedAt: string;
  /** how many entries of a share list are charted (the table lists all the document has) */
  readonly chartTop?: number;
}

/** A figure as printed: the text and its place in the JSON document. */
export interface Printed {
  readonly text: string;
  readonly path: string;
}

interface StatRowView {
  readonly key: string;
  readonly label: string;
  readonly base: string;
  readonly count: Printed;
  readonly denominator: Printed;
  readonly percent: Printed;
  readonly error: { count: Printed; percent: Printed };
  readonly skipped: { count: Printed; percent: Printed };
  readonly previous?: { count: Printed; percent: Printed };
  readonly change?: { count: Printed; percentPoints: Printed; arrow: string };
  readonly changeCommon?: Printed;
}

interface ShareRowView {
  readonly name: string;
  readonly count: Printed;
  readonly denominator: Printed;
  readonly percent: Printed;
}

interface AdviceView {
  readonly id: string;
  readonly why: string;
  readonly fix: string | null;
}

interface TopicView {
  readonly id: string;
  readonly title: string;
  readonly meaning: string;
  readonly charts: string[];
  readonly rows: StatRowView[];
  readonly shares: ShareRowView[];
  readonly shareBase: string;
  readonly advice: AdviceView[];
  readonly empty: string | null;
}

const NNBSP = '\u202f';

/** 2512345 → "2 512 345" (narrow no-break spaces, as SI and Swiss typography group digits) */
export function formatCount(n: number): string {
  const s = String(Math.abs(Math.trunc(n)));
  const grouped = s.replace(/\B(?=(\d{3})+(?!\d))/g, NNBSP);
  return n < 0 ? `−${grouped}` : grouped;
}

export function formatPercent(p: number | null): string {
  return p === null ? '–' : `${p.toFixed(2)}${NNBSP}%`;
}

const signed = (n: number, text: string) => (n > 0 ? `+${text}` : n < 0 ? text : `±${text}`);

const printed = (text: string, path: string): Printed => ({ text, path });

const percentOf = (count: number, denominator: number): number | null =>
  denominator === 0 ? null : Math.round((count / denominator) * 10000) / 100;

const ZERO: StatFigure = { count: 0, denominator: 0, percent: null };

/** keys counted over all domains (the others are over domains with MX): docs/scan.md */
const OVER_ALL = /^(dnssec|caa|idn|securityTxt|m365|mx\.present)\b/;

function baseOf(report: TldReport, key: string, denominator: number): string {
  if (denominator === report.domains && (OVER_ALL.test(key) || denominator !== report.domainsWithMx))
    return 'all domains';
  if (denominator === report.domainsWithMx) return 'domains with MX';
  return 'domains';
}

function statRow(report: TldReport, key: string): StatRowView {
  const s = report.stats[key] as ReportStat;
  const err = report.stats[`${key}.error`];
  const skip = report.stats[`${key}.skipped`];
  const p = (field: string) => `stats/${key}/${field}`;
  const row: {
    -readonly [K in keyof StatRowView]: StatRowView[K];
  } = {
    key,
    label: label(key),
    base: baseOf(report, key, s.denominator),
    count: printed(formatCount(s.count), p('count')),
    denominator: printed(formatCount(s.denominator), p('denominator')),
    percent: printed(formatPercent(s.percent), p('percent')),
    error: {
      count: printed(formatCount(err?.count ?? 0), `stats/${key}.error/count`),
      percent: printed(formatPercent(err ? err.percent : null), `stats/${key}.error/percent`),
    },
    skipped: {
      count: printed(formatCount(skip?.count ?? 0), `stats/${key}.skipped/count`),
      percent: printed(
        skip ? formatPercent(skip.percent) : formatPercent(s.denominator ? 0 : null),
        `stats/${key}.skipped/percent`,
      ),
    },
  };
  if (s.previous)
    row.previous = {
      count: printed(formatCount(s.previous.count), p('previous/count')),
      percent: printed(formatPercent(s.previous.percent), p('previous/percent')),
    };
  if (s.change) {
    const pp = s.change.percentPoints;
    row.change = {
      count: printed(signed(s.change.count, formatCount(s.change.count)), p('change/count')),
      percentPoints: printed(
        pp === null ? '–' : signed(pp, `${pp.toFixed(2)}${NNBSP}pp`).replace('-', '−'),
        p('change/percentPoints'),
      ),
      arrow: pp === null || pp === 0 ? '' : pp > 0 ? '▲' : '▼',
    };
  }
  if (s.changeCommon)
    row.changeCommon = printed(
      signed(s.changeCommon.count, formatCount(s.changeCommon.count)),
      p('changeCommon/count'),
    );
  return row;
}

const SEGMENTS = {
  yes: { name: 'yes', colour: '#3b7dd8' },
  no: { name: 'no', colour: '#b8c0cc' },
  error: { name: 'could not test', colour: '#c2255c' },
  skipped: { name: 'not tested', colour: '#6c757d' },
} as const;

function description(key: string, count: number, denominator: number, percent: number | null): string {
  return `${key}: ${count} of ${denominator} (${percent === null ? '–' : percent.toFixed(2)} %)`;
}

/** The four segments of a key's bar; the "no" share is what remains. */
function keyBar(report: TldReport, key: string, order: number): BarSegment[] {
  const s = report.stats[key] as ReportStat;
  const err = report.stats[`${key}.error`] ?? ZERO;
  const skip = report.stats[`${key}.skipped`] ?? ZERO;
  const no = s.denominator - s.count - err.count - skip.count;
  const row = label(key);
  const seg = (segment: string, segmentOrder: number, k: string, count: number, percent: number | null) => ({
    row,
    rowOrder: order,
    segment,
    segmentOrder,
    count,
    description: description(k, count, s.denominator, percent),
  });
  return [
    seg(SEGMENTS.yes.name, 0, key, s.count, s.percent),
    seg(SEGMENTS.no.name, 1, `${key}.no`, no, percentOf(no, s.denominator)),
    seg(SEGMENTS.error.name, 2, `${key}.error`, err.count, err.percent),
    seg(SEGMENTS.skipped.name, 3, `${key}.skipped`, skip.count, skip.percent),
  ];
}

const SPLIT_COLOURS: Readonly<Record<string, string>> = {
  'starttls.all': '#2b8a3e',
  'starttls.some': '#fab005',
  'starttls.none': '#e03131',
  'spf.hardfail': '#2b8a3e',
  'spf.softfail': '#94d82d',
  'spf.neutral': '#fab005',
  'spf.passAll': '#e03131',
  'dmarc.none': '#fab005',
  'dmarc.quarantine': '#94d82d',
  'dmarc.reject': '#2b8a3e',
};
const FALLBACK = ['#2b8a3e', '#94d82d', '#fab005', '#e03131', '#4c6ef5', '#7950f2'];

/**
 * One composition bar for exclusive keys, or null when they are not exclusive in this document
 * (different could-not-test counts, or more yes than the denominator holds).
 */
function splitBar(
  report: TldReport,
  split: Split,
): { values: BarSegment[]; segments: SegmentStyle[] } | null {
  const first = split.keys[0] as string;
  const s = report.stats[first];
  if (!s || s.denominator === 0) return null;
  const err = report.stats[`${first}.error`] ?? ZERO;
  const skip = report.stats[`${first}.skipped`] ?? ZERO;
  for (const k of split.keys) {
    const x = report.stats[k];
    if (!x || x.denominator !== s.denominator) return null;
    if ((report.stats[`${k}.error`]?.count ?? 0) !== err.count) return null;
    if ((report.stats[`${k}.skipped`]?.count ?? 0) !== skip.count) return null;
  }
  const yes = split.keys.reduce((n, k) => n + (report.stats[k]?.count ?? 0), 0);
  const rest = s.denominator - yes - err.count - skip.count;
  if (rest < 0) return null;
  const segments: SegmentStyle[] = split.keys.map((k, i) => ({
    name: label(k),
    colour: SPLIT_COLOURS[k] ?? FALLBACK[i % FALLBACK.length] ?? '#4c78a8',
  }));
  segments.push({ name: split.rest, colour: SEGMENTS.no.colour }, SEGMENTS.error, SEGMENTS.skipped);
  const seg = (i: number, k: string, count: number, percent: number | null): BarSegment => ({
    row: split.label,
    rowOrder: 0,
    segment: (segments[i] as SegmentStyle).name,
    segmentOrder: i,
    count,
    description: description(k, count, s.denominator, percent),
  });
  const group = first.slice(0, first.indexOf('.'));
  const values = split.keys.map((k, i) => {
    const x = report.stats[k] as ReportStat;
    return seg(i, k, x.count, x.percent);
  });
  const n = split.keys.length;
  values.push(
    seg(n, `${group}.rest`, rest, percentOf(rest, s.denominator)),
    seg(n + 1, `${first}.error`, err.count, err.percent),
    seg(n + 2, `${first}.skipped`, skip.count, skip.percent),
  );
  return { values, segments };
}

function findingDefs(): Map<string, { why?: string; fix?: (p: unknown) => string }> {
  const defs = new Map<string, { why?: string; fix?: (p: unknown) => string }>();
  for (const c of allCatalogues())
    for (const [slug, d] of Object.entries(c.defs)) defs.set(`${c.check}.${slug}`, d);
  return defs;
}

/** The catalogue's why and fix of a finding, the fix written for an example domain. */
function advice(defs: ReturnType<typeof findingDefs>, id: string): AdviceView | null {
  const d = defs.get(id);
  if (!d?.why) return null;
  let fix: string | null = null;
  try {
    const text = d.fix?.({ domain: 'example.ch' });
    if (text && !/undefined|NaN|\[object/.test(text)) fix = text;
  } catch {
    fix = null;
  }
  return { id, why: d.why, fix };
}

const SHARE_BASE = {
  providers: 'domains with MX',
  issuers: 'domains with a certificate seen',
  software: 'domains with an SMTP greeting seen',
} as const;

async function topicView(
  report: TldReport,
  topic: Topic,
  defs: ReturnType<typeof findingDefs>,
  o: HtmlOptions,
): Promise<TopicView> {
  const charts: string[] = [];
  const rows: StatRowView[] = [];
  const shares: ShareRowView[] = [];
  let empty: string | null = null;
  if (topic.share) {
    const list: readonly ShareFigure[] = report[topic.share];
    list.forEach((s, i) => {
      const p = (f: string) => `${topic.share}/${i}/${f}`;
      shares.push({
        name: s.name,
        count: printed(formatCount(s.count), p('count')),
        denominator: printed(formatCount(s.denominator), p('denominator')),
        percent: printed(formatPercent(s.percent), p('percent')),
      });
    });
    const top = list.slice(0, o.chartTop ?? 15).filter((s) => s.percent !== null);
    if (top.length)
      charts.push(
        await renderSvg(
          shareBarSpec(
            top.map((s, i) => ({
              name: s.name,
              order: i,
              percent: s.percent as number,
              description: description(s.name, s.count, s.denominator, s.percent),
            })),
            `% of ${SHARE_BASE[topic.share]}`,
          ),
        ),
      );
    else empty = `No ${topic.title.toLowerCase()} seen in this scan.`;
  } else {
    const keys = (topic.keys ?? []).filter((k) => report.stats[k]);
    const splitKeys = (topic.split?.keys ?? []).filter((k) => report.stats[k]);
    for (const k of [...keys.slice(0, 1), ...splitKeys, ...keys.slice(1)]) rows.push(statRow(report, k));
    const split =
      topic.split && splitKeys.length === topic.split.keys.length ? splitBar(report, topic.split) : null;
    if (split) charts.push(await renderSvg(stackedBarSpec(split.values, split.segments)));
    const charted = [...keys, ...(split ? [] : splitKeys)].filter(
      (k) => (report.stats[k] as ReportStat).denominator > 0,
    );
    if (charted.length)
      charts.push(
        await renderSvg(
          stackedBarSpec(
            charted.flatMap((k, i) => keyBar(report, k, i)),
            [SEGMENTS.yes, SEGMENTS.no, SEGMENTS.error, SEGMENTS.skipped],
          ),
        ),
      );
    if (!charts.length)
      empty = rows.length
        ? 'No domain in the denominator: nothing to chart.'
        : 'This scan has none of these statistics.';
    const trend = report.trend ?? [];
    const trendKeys = [...keys, ...splitKeys];
    if (trend.length >= 2 && trendKeys.length) {
      const values: TrendDatum[] = [];
      trend.forEach((t, order) => {
        for (const k of trendKeys) {
          const s = t.stats[k];
          if (s?.percent === null || s?.percent === undefined) continue;
          values.push({
            scan: t.scan,
            order,
            series: label(k),
            percent: s.percent,
            description: `${t.scan} ${description(k, s.count, s.denominator, s.percent)}`,
          });
        }
      });
      if (values.length) charts.push(await renderSvg(trendSpec(values)));
    }
  }
  return {
    id: topic.id,
    title: topic.title,
    meaning: topic.meaning,
    charts,
    rows,
    shares,
    shareBase: topic.share ? SHARE_BASE[topic.share] : '',
    advice: topic.advice.map((id) => advice(defs, id)).filter((a): a is AdviceView => a !== null),
    empty,
  };
}

/** Keys in no topic (besides their .error / .skipped companions). */
function otherKeys(report: TldReport): string[] {
  const listed = new Set(TOPICS.flatMap((t) => [...(t.keys ?? []), ...(t.split?.keys ?? [])]));
  return Object.keys(report.stats).filter(
    (k) =>
      !listed.has(k) && !(/\.(error|skipped)$/.test(k) && report.stats[k.replace(/\.(error|skipped)$/, '')]),
  );
}

function optionsView(options: Readonly<Record<string, unknown>>): { name: string; value: string }[] {
  return Object.entries(options).map(([name, v]) => ({
    // as the flag is written: noSmtp → --no-smtp
    name: `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
    value:
      v === null || v === undefined
        ? '–'
        : Array.isArray(v)
          ? v.length
            ? v.map(String).join(', ')
            : '–'
          : typeof v === 'object'
            ? JSON.stringify(v)
            : typeof v === 'boolean'
              ? v
                ? 'yes'
                : 'no'
              : String(v),
  }));
}

const eta = new Eta({
  autoEscape: true,
  autoTrim: [false, 'nl'],
  cache: false,
  useWith: false,
  varName: 'it',
});

/** The Content-Security-Policy of the page: nothing may load or run; only the template's style applies. */
export function contentSecurityPolicy(): string {
  const hash = createHash('sha256').update(CSS).digest('base64');
  return `default-src 'none'; style-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'`;
}

/** The view the report's template is filled with: topics with their charts, rows and advice (also the dashboard's scan page). */
export type ReportView = Awaited<ReturnType<typeof reportView>>;

/** Renders the report as one HTML document (a string). */
export async function renderHtml(report: TldReport, o: HtmlOptions): Promise<string> {
  return eta.renderString(TEMPLATE, await reportView(report, o));
}

/** Builds the template's view of a report: every figure printed with its place in the JSON. */
export async function reportView(report: TldReport, o: HtmlOptions) {
  const defs = findingDefs();
  const topics: TopicView[] = [];
  for (const t of TOPICS) topics.push(await topicView(report, t, defs, o));
  const other = otherKeys(report).map((k) => statRow(report, k));
  const compared = Object.values(report.stats).some((s) => s.change || s.previous);
  const largest = Object.entries(report.stats)
    .filter(([k, s]) => !/\.(error|skipped)$/.test(k) && typeof s.change?.percentPoints === 'number')
    .sort(
      (a, b) =>
        Math.abs(b[1].change?.percentPoints ?? 0) - Math.abs(a[1].change?.percentPoints ?? 0) ||
        a[0].localeCompare(b[0]),
    )
    .slice(0, 10)
    .map(([k]) => statRow(report, k));
  const m = report.methodology;
  const data = {
    csp: contentSecurityPolicy(),
    css: CSS,
    scan: report.scan,
    version: o.version,
    generatedAt: o.generatedAt,
    domains: printed(formatCount(report.domains), 'domains'),
    domainsWithMx: printed(formatCount(report.domainsWithMx), 'domainsWithMx'),
    methodology: m
      ? {
          started: m.started,
          input: m.input ?? '–',
          total: m.total === null ? null : printed(formatCount(m.total), 'methodology/total'),
          stored: printed(formatCount(m.stored), 'methodology/stored'),
          firstChecked: m.firstChecked ?? '–',
          lastChecked: m.lastChecked ?? '–',
          resolvers: m.resolvers.length ? m.resolvers.join(', ') : '–',
          validatedYes: printed(formatCount(m.resolverValidated.yes), 'methodology/resolverValidated/yes'),
          validatedNo: printed(formatCount(m.resolverValidated.no), 'methodology/resolverValidated/no'),
          options: optionsView(m.options),
        }
      : null,
    compare: report.compare
      ? {
          scan: report.compare.scan,
          domains: printed(formatCount(report.compare.domains), 'compare/domains'),
          added: printed(formatCount(report.compare.added), 'compare/added'),
          removed: printed(formatCount(report.compare.removed), 'compare/removed'),
          common: printed(formatCount(report.compare.common), 'compare/common'),
        }
      : null,
    compared,
    largest,
    topics,
    other,
    knownKeys: Object.keys(KEY_LABELS).length,
  };
  return data;
}
