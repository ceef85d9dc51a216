/**
 * DMARC aggregate report XML (RFC 7489 Appendix C, RFC 9990) → the normalised object. Pure.
 *
 * Streamed: `AggregateParser` takes the text in chunks, cuts each `<record>` out as soon as it is
 * complete and parses it alone, so a report with a million rows never becomes one string or one
 * object tree; the rest (the "head": metadata, policy) is parsed once. Small reports come out whole
 * (`report`); one with more than `inline` records comes out as `start` (the head), `records`
 * batches and `end` (final count and problems). Totals are exact: every record is counted and
 * passed on; a record cut off by a truncated file is not counted.
 *
 * Tolerant of what receivers really send (report-formats.md): no `<version>` or 2.0, empty
 * org_name (the organisation is then taken from `<email>`'s domain, as parsedmarc does, with a
 * problem), report_id in `<>`, an address in angle brackets left unescaped in `<email>`, a stray
 * unclosed element around `<feedback>` (an `<xs:schema>`), missing sp/pct/fo, empty
 * envelope_from, several SPF results, unknown reason types, BOM and XML declaration variants,
 * namespace prefixes. A DOCTYPE is refused, never expanded.
 */
import { getDomain } from 'tldts';
import type { AggregateRecord, AggregateReport, Parsed, Problem, ReportSource } from './normalise.ts';
import { arr, count, isoTime, keyword, text } from './normalise.ts';
import { parseXml } from './xml-tree.ts';

/** records a report may hold and still come out whole (`report`); larger ones stream */
export const INLINE_RECORDS = 10_000;
/** records per `records` event of a streamed report */
export const RECORD_BATCH = 5_000;
/** text outside the records (metadata, policy, extensions) held at most */
export const MAX_HEAD_CHARS = 1024 * 1024;
/** one record's text at most; a larger one is skipped with a problem */
export const MAX_RECORD_CHARS = 1024 * 1024;

type Node = Record<string, unknown>;
const obj = (v: unknown): Node =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Node) : {};
const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);
const child = (n: Node, name: string): Node => obj(first(n[name]));
const str = (n: Node, name: string) => text(first(n[name]));
const kw = (n: Node, name: string) => keyword(first(n[name]));

/** the five predefined XML entities and character references; no others exist without a DTD */
function unescapeXml(s: string | null): string | null {
  if (s === null || !s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (m, e: string) => {
    if (e === 'amp') return '&';
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    const cp = e.startsWith('#x') ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
    return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
  });
}
const ustr = (n: Node, name: string) => unescapeXml(str(n, name));

/**
 * Text-only elements whose content some receivers leave unescaped (`<email>Reports <a@b.example></email>`):
 * a `<` or `>` inside them is escaped before parsing, so the address stays text instead of
 * becoming an element that blanks the report's id, dates and domain.
 */
const LEAF =
  /<((?:[\w.-]+:)?(?:email|org_name|extra_contact_info|report_id|error|comment|human_result|generator))(\s[^<>]*)?>([\s\S]*?)<\/\1\s*>/g;
function escapeLeaves(s: string): { text: string; changed: boolean } {
  let changed = false;
  const out = s.replace(LEAF, (m, name: string, attrs: string | undefined, inner: string) => {
    if (!/[<>]/.test(inner) || inner.trimStart().startsWith('<![CDATA[')) return m;
    changed = true;
    return `<${name}${attrs ?? ''}>${inner.replace(/</g, '&lt;').replace(/>/g, '&gt;')}</${name}>`;
  });
  return { text: out, changed };
}

function parseRecord(r: Node, i: number, problems: Problem[]): AggregateRecord {
  const row = child(r, 'row');
  const pe = child(row, 'policy_evaluated');
  const ids = child(r, 'identifiers');
  const auth = child(r, 'auth_results');
  const rec: AggregateRecord = {
    sourceIp: str(row, 'source_ip'),
    count: count(first(row.count)),
    disposition: kw(pe, 'disposition'),
    dkim: kw(pe, 'dkim'),
    spf: kw(pe, 'spf'),
    reasons: arr(pe.reason).map((x) => {
      const n = obj(x);
      return { type: keyword(first(n.type)) ?? keyword(x), comment: ustr(n, 'comment') };
    }) as { type: string; comment: string | null }[],
    headerFrom: str(ids, 'header_from')?.toLowerCase() ?? null,
    envelopeFrom: str(ids, 'envelope_from')?.toLowerCase() ?? null,
    envelopeTo: str(ids, 'envelope_to')?.toLowerCase() ?? null,
    authResults: {
      dkim: arr(auth.dkim).map((x) => {
        const n = obj(x);
        return {
          domain: str(n, 'domain')?.toLowerCase() ?? null,
          selector: str(n, 'selector'),
          result: kw(n, 'result'),
          humanResult: ustr(n, 'human_result'),
        };
      }),
      spf: arr(auth.spf).map((x) => {
        const n = obj(x);
        return {
          domain: str(n, 'domain')?.toLowerCase() ?? null,
          scope: kw(n, 'scope'),
          result: kw(n, 'result'),
          humanResult: ustr(n, 'human_result'),
        };
      }),
    },
  };
  rec.reasons = rec.reasons.filter((x) => x.type !== null);
  const missing = (['sourceIp', 'count', 'disposition', 'headerFrom'] as const).filter(
    (k) => rec[k] === null,
  );
  if (missing.length)
    problems.push({ code: 'record-incomplete', text: `record ${i + 1}: no ${missing.join(', ')}` });
  return rec;
}

const RECORD_OPEN = /<([\w.-]+:)?record(?:\s[^<>]*)?>/g;
const FEEDBACK_OPEN = /<([\w.-]+:)?feedback[\s>]/;
const RECORD_SCAN = new RegExp(RECORD_OPEN.source, 'g');

/**
 * Where each `<record>` element starts and ends in a document held whole. Only records with the
 * namespace prefix of `<feedback>` count (an extension's `<x:record>` is not a DMARC record);
 * without a `<feedback>` tag in sight, any prefix. An unclosed last record ends the list.
 */
export function recordSpans(body: string): { start: number; end: number }[] {
  const prefix = FEEDBACK_OPEN.exec(body);
  const want = prefix ? (prefix[1] ?? '') : undefined;
  const spans: { start: number; end: number }[] = [];
  const re = new RegExp(RECORD_OPEN.source, 'g');
  for (let m = re.exec(body); m; m = re.exec(body)) {
    if (want !== undefined && (m[1] ?? '') !== want) continue;
    const close = `</${m[1] ?? ''}record>`;
    const at = body.indexOf(close, re.lastIndex);
    const end = at < 0 ? body.length : at + close.length;
    spans.push({ start: m.index, end });
    if (at < 0) break;
    re.lastIndex = end;
  }
  return spans;
}

export type AggregateEvent =
  | { readonly type: 'report'; readonly report: AggregateReport }
  | { readonly type: 'start'; readonly head: AggregateReport }
  | { readonly type: 'records'; readonly records: AggregateRecord[] }
  | { readonly type: 'end'; readonly report: AggregateReport }
  | { readonly type: 'fail'; readonly problems: Problem[] };

const refuse = (code: string, t: string): AggregateEvent => ({ type: 'fail', problems: [{ code, text: t }] });

/** The report's fields from its head text (everything outside the records). */
function parseHead(
  headText: string,
  source: ReportSource,
  problems: Problem[],
):
  | { ok: true; report: AggregateReport; complete: boolean; feedback: Node }
  | { ok: false; problems: Problem[] } {
  const open = FEEDBACK_OPEN.exec(headText);
  let body = headText;
  if (open) {
    const pfx = open[1] ?? '';
    const closeRe = new RegExp(`</${pfx.replace(/[.]/g, '\\.')}feedback\\s*>`, 'g');
    let end = -1;
    for (let m = closeRe.exec(headText); m; m = closeRe.exec(headText)) end = m.index + m[0].length;
    // a stray element around <feedback> (an unclosed <xs:schema …>) is left out
    const before = headText.slice(0, open.index).replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->/g, '');
    const after = end < 0 ? '' : headText.slice(end);
    if (/<[\w.-]/.test(before) || /<[\w.-]/.test(after)) {
      problems.push({
        code: 'outside-feedback',
        text: 'elements outside <feedback> (e.g. a stray <xs:schema>) were ignored',
      });
    }
    body = end < 0 ? `${headText.slice(open.index)}</${pfx}feedback>` : headText.slice(open.index, end);
  }
  const repaired = escapeLeaves(body);
  if (repaired.changed) {
    problems.push({
      code: 'unescaped-markup',
      text: 'a text element holds unescaped < or > (e.g. an address in angle brackets in <email>); read as text',
    });
  }
  let doc: Node;
  try {
    doc = obj(parseXml(repaired.text));
  } catch (e) {
    return {
      ok: false,
      problems: [{ code: 'xml-syntax', text: `not well-formed XML (${(e as Error).message})` }],
    };
  }
  const root = doc.feedback;
  if (root === undefined) {
    const top = Object.keys(doc).filter((k) => !k.startsWith('?'))[0];
    return {
      ok: false,
      problems: [
        {
          code: 'not-aggregate',
          text: `not a DMARC aggregate report (root element ${top ? `<${top}>` : 'missing'})`,
        },
      ],
    };
  }
  const fb = obj(first(root));
  const meta = child(fb, 'report_metadata');
  const pub = child(fb, 'policy_published');
  const range = child(meta, 'date_range');
  const version = str(fb, 'version');
  if (version === null) problems.push({ code: 'version-missing', text: 'no <version> (a draft-era report)' });
  else if (version !== '1.0' && version !== '1')
    problems.push({ code: 'version-unknown', text: `version ${version}` });
  const ns =
    /<(?:[\w.-]+:)?feedback\b[^>]*?\sxmlns(?::[\w.-]+)?\s*=\s*["']([^"']*)["']/.exec(body)?.[1] ?? null;
  const rawId = str(meta, 'report_id');
  const reportId = unescapeXml(rawId)?.replace(/^<(.*)>$/, '$1') ?? null;
  const beginRaw = str(range, 'begin');
  const endRaw = str(range, 'end');
  const epoch = (s: string | null) => (s !== null && /^\d{1,12}$/.test(s) ? isoTime(Number(s)) : null);
  const begin = epoch(beginRaw);
  const end = epoch(endRaw);
  if (begin === null || end === null) {
    problems.push({
      code: 'date-range-invalid',
      text: `date_range ${beginRaw ?? '(none)'} – ${endRaw ?? '(none)'}`,
    });
  }
  const email = ustr(meta, 'email');
  let orgName = ustr(meta, 'org_name');
  if (orgName === null) {
    // as parsedmarc does: the organisation is the (base) domain of the report's <email>
    const host = /@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/.exec(email ?? '')?.[1]?.toLowerCase();
    const org = host ? (getDomain(host) ?? host) : null;
    if (org) {
      orgName = org;
      problems.push({
        code: 'org-name-from-email',
        text: `empty or missing org_name; the organisation "${org}" is taken from <email>`,
      });
    } else problems.push({ code: 'org-name-missing', text: 'empty or missing org_name' });
  }
  if (reportId === null) problems.push({ code: 'report-id-missing', text: 'empty or missing report_id' });
  const domain = str(pub, 'domain')?.toLowerCase() ?? null;
  if (domain === null) problems.push({ code: 'policy-domain-missing', text: 'no policy_published/domain' });
  const report: AggregateReport = {
    kind: 'dmarc-aggregate',
    source,
    version,
    namespace: ns,
    orgName,
    email,
    extraContactInfo: ustr(meta, 'extra_contact_info'),
    reportId,
    begin,
    end,
    generator: ustr(meta, 'generator'),
    errors: arr(meta.error)
      .map((e) => unescapeXml(text(e)))
      .filter((e): e is string => e !== null),
    policy: {
      domain,
      p: kw(pub, 'p'),
      sp: kw(pub, 'sp'),
      np: kw(pub, 'np'),
      adkim: kw(pub, 'adkim'),
      aspf: kw(pub, 'aspf'),
      pct: count(first(pub.pct)),
      fo: str(pub, 'fo'),
      testing: kw(pub, 'testing'),
      discoveryMethod: kw(pub, 'discovery_method'),
    },
    recordCount: 0,
    records: [],
    problems,
  };
  return { ok: true, report, complete: 'report_metadata' in fb && 'policy_published' in fb, feedback: fb };
}

/**
 * The streaming reader of one aggregate report: `push` text chunks, then `end`; each returns the
 * events it produced (see the module comment). After a `fail` the parser ignores further input.
 */
export class AggregateParser {
  private readonly source: ReportSource;
  private readonly inline: number;
  private pending = '';
  /** text outside records */
  private head = '';
  /** `<feedback>`'s prefix once seen ('' for none) */
  private prefix: string | undefined;
  private mode: 'out' | 'in' | 'skip' = 'out';
  private close = '';
  private searchFrom = 0;
  private total = 0;
  private failed = false;
  private started = false;
  private headReport: AggregateReport | undefined;
  private headTried = false;
  private readonly buffered: AggregateRecord[] = [];
  private readonly recordProblems: Problem[] = [];

  constructor(source: ReportSource, options: { inline?: number } = {}) {
    this.source = source;
    this.inline = options.inline ?? INLINE_RECORDS;
  }

  get recordCount(): number {
    return this.total;
  }

  push(chunk: string): AggregateEvent[] {
    if (this.failed) return [];
    this.pending += chunk;
    const out: AggregateEvent[] = [];
    this.scan(out);
    return out;
  }

  private addHead(s: string, out: AggregateEvent[]): boolean {
    if (!s) return true;
    if (this.head.length && !/\S/.test(s)) return true;
    this.head += s;
    if (this.prefix === undefined) {
      const m = FEEDBACK_OPEN.exec(this.head);
      if (m) this.prefix = m[1] ?? '';
    }
    if (/<!DOCTYPE|<!ENTITY/i.test(this.head)) {
      this.fail(
        out,
        refuse('doctype', 'the XML has a DOCTYPE or entity declarations; refused, never expanded'),
      );
      return false;
    }
    if (this.head.length > MAX_HEAD_CHARS) {
      this.fail(
        out,
        refuse(
          'head-too-large',
          `more than ${MAX_HEAD_CHARS} characters outside <record> elements; not read`,
        ),
      );
      return false;
    }
    return true;
  }

  private fail(out: AggregateEvent[], e: AggregateEvent): void {
    this.failed = true;
    this.pending = '';
    this.buffered.length = 0;
    out.push(e);
  }

  private scan(out: AggregateEvent[]): void {
    for (;;) {
      if (this.failed) return;
      if (this.mode === 'out') {
        RECORD_SCAN.lastIndex = 0;
        const m = RECORD_SCAN.exec(this.pending);
        if (!m) {
          // keep a possible partial tag at the end
          const lt = this.pending.lastIndexOf('<');
          const keepFrom = lt >= 0 && this.pending.length - lt < 256 ? lt : this.pending.length;
          if (!this.addHead(this.pending.slice(0, keepFrom), out)) return;
          this.pending = this.pending.slice(keepFrom);
          return;
        }
        if (!this.addHead(this.pending.slice(0, m.index), out)) return;
        this.pending = this.pending.slice(m.index);
        if (this.prefix !== undefined && (m[1] ?? '') !== this.prefix) {
          // another namespace's <x:record> (an extension) belongs to the head
          if (!this.addHead(m[0], out)) return;
          this.pending = this.pending.slice(m[0].length);
          continue;
        }
        this.close = `</${m[1] ?? ''}record>`;
        this.searchFrom = m[0].length;
        this.mode = 'in';
        if (!this.headTried) this.tryHead();
        continue;
      }
      const at = this.pending.indexOf(this.close, this.searchFrom);
      if (at < 0) {
        if (this.mode === 'skip') {
          this.pending = this.pending.slice(-this.close.length);
          this.searchFrom = 0;
          return;
        }
        if (this.pending.length > MAX_RECORD_CHARS) {
          this.recordProblems.push({
            code: 'record-unreadable',
            text: `record ${this.total + 1}: larger than ${MAX_RECORD_CHARS} characters; not read`,
          });
          this.mode = 'skip';
          this.pending = this.pending.slice(-this.close.length);
          this.searchFrom = 0;
          return;
        }
        this.searchFrom = Math.max(0, this.pending.length - this.close.length);
        return;
      }
      const end = at + this.close.length;
      if (this.mode === 'in') this.record(this.pending.slice(0, end), out);
      this.pending = this.pending.slice(end);
      this.mode = 'out';
    }
  }

  private tryHead(): void {
    this.headTried = true;
    const h = parseHead(this.head, this.source, []);
    if (h.ok && h.complete) this.headReport = h.report;
  }

  private record(xml: string, out: AggregateEvent[]): void {
    const i = this.total;
    let node: Node;
    const repaired = /<(?:[\w.-]+:)?(?:comment|human_result)[\s>]/.test(xml) ? escapeLeaves(xml).text : xml;
    try {
      node = obj(first(obj(parseXml(repaired)).record));
    } catch (e) {
      this.recordProblems.push({
        code: 'record-unreadable',
        text: `record ${i + 1}: ${(e as Error).message}`,
      });
      return;
    }
    this.total++;
    this.buffered.push(parseRecord(node, i, this.recordProblems));
    if (this.started) {
      if (this.buffered.length >= RECORD_BATCH)
        out.push({ type: 'records', records: this.buffered.splice(0) });
    } else if (this.headReport && this.buffered.length > this.inline) {
      this.started = true;
      out.push({ type: 'start', head: { ...this.headReport, problems: [...this.headReport.problems] } });
      out.push({ type: 'records', records: this.buffered.splice(0) });
    }
  }

  /** The end of the text; `truncated` when the input ended early (a cut-off gzip). */
  end(truncated = false): AggregateEvent[] {
    if (this.failed) return [];
    const out: AggregateEvent[] = [];
    if (this.mode === 'out') {
      if (!this.addHead(this.pending, out)) return out;
    } else if (this.mode === 'in') {
      this.recordProblems.push({
        code: 'record-cut-off',
        text: `the report ends inside record ${this.total + 1}${truncated ? ' (a truncated file)' : ''}; that record is not counted`,
      });
    }
    this.pending = '';
    const problems: Problem[] = [];
    if (this.started && this.headReport) {
      if (this.buffered.length) out.push({ type: 'records', records: this.buffered.splice(0) });
      const head = this.headReport;
      out.push({
        type: 'end',
        report: {
          ...head,
          recordCount: this.total,
          records: [],
          problems: [...head.problems, ...this.recordProblems],
        },
      });
      return out;
    }
    const h = parseHead(this.head, this.source, problems);
    if (!h.ok) {
      this.fail(out, { type: 'fail', problems: h.problems });
      return out;
    }
    const records = this.buffered.splice(0);
    const r = h.report;
    if (this.total === 0) problems.push({ code: 'no-records', text: 'the report has no <record>' });
    if (
      r.orgName === null &&
      r.reportId === null &&
      r.policy.domain === null &&
      !records.some((x) => x.sourceIp !== null)
    ) {
      this.fail(
        out,
        refuse(
          'empty-feedback',
          'a <feedback> element without report_metadata, policy_published or any readable record',
        ),
      );
      return out;
    }
    out.push({
      type: 'report',
      report: { ...r, recordCount: this.total, records, problems: [...problems, ...this.recordProblems] },
    });
    return out;
  }
}

/** a document up to this size is parsed in one call (`parseAggregateWhole`); larger ones stream */
export const WHOLE_CHARS = 1024 * 1024;

/**
 * A small report parsed in one call, records included (one parser run instead of one per record).
 * `undefined` when the text is not well-formed (a truncated file): the streaming parser, which
 * reads as far as the text goes, takes it then.
 */
export function parseAggregateWhole(xml: string, source: ReportSource): Parsed<AggregateReport> | undefined {
  const body = xml.replace(/^\uFEFF/, '');
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) {
    return {
      ok: false,
      problems: [
        { code: 'doctype', text: 'the XML has a DOCTYPE or entity declarations; refused, never expanded' },
      ],
    };
  }
  const problems: Problem[] = [];
  const h = parseHead(body, source, problems);
  if (!h.ok) return h.problems[0]?.code === 'xml-syntax' ? undefined : h;
  const records: AggregateRecord[] = [];
  for (const [i, r] of arr(h.feedback.record).entries()) records.push(parseRecord(obj(r), i, problems));
  const report = h.report;
  if (!records.length) problems.push({ code: 'no-records', text: 'the report has no <record>' });
  if (
    report.orgName === null &&
    report.reportId === null &&
    report.policy.domain === null &&
    !records.some((x) => x.sourceIp !== null)
  ) {
    return {
      ok: false,
      problems: [
        {
          code: 'empty-feedback',
          text: 'a <feedback> element without report_metadata, policy_published or any readable record',
        },
      ],
    };
  }
  const value = { ...report, recordCount: records.length, records, problems };
  return { ok: true, value, problems };
}

/** Parses a whole report held in memory (every record listed). */
export function parseAggregate(xml: string, source: ReportSource): Parsed<AggregateReport> {
  const p = new AggregateParser(source, { inline: Number.MAX_SAFE_INTEGER });
  const events = [...p.push(xml), ...p.end()];
  for (const e of events) {
    if (e.type === 'fail') return { ok: false, problems: e.problems };
    if (e.type === 'report') return { ok: true, value: e.report, problems: e.report.problems };
  }
  return { ok: false, problems: [{ code: 'xml-syntax', text: 'no report found' }] };
}
