/**
 * DMARC aggregate report XML (RFC 7489 Appendix C, RFC 9990) → the normalised object. Pure.
 * Tolerant of what receivers really send (report-formats.md): no `<version>` or 2.0, empty org_name,
 * report_id in `<>`, missing sp/pct/fo, empty envelope_from, several SPF results, unknown reason
 * types, BOM and XML declaration variants, namespace prefixes. A DOCTYPE is refused, never expanded.
 */
import { XMLParser } from 'fast-xml-parser';
import type { AggregateRecord, AggregateReport, Parsed, Problem, ReportSource } from './normalise.ts';
import { arr, count, isoTime, keyword, text } from './normalise.ts';

/** records kept per report; the rest are counted (`recordCount`) and reported as a problem */
export const MAX_RECORDS = 100_000;

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

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

const RECORD_OPEN = /<([\w.-]+:)?record(?:\s[^>]*)?>/g;

/**
 * Where each `<record>` element starts and ends. Only records with the namespace prefix of
 * `<feedback>` count (an extension's `<x:record>` is not a DMARC record); without a `<feedback>`
 * tag in sight, any prefix.
 */
export function recordSpans(body: string): { start: number; end: number }[] {
  const prefix = /<([\w.-]+:)?feedback[\s>]/.exec(body);
  const want = prefix ? (prefix[1] ?? '') : undefined;
  const spans: { start: number; end: number }[] = [];
  RECORD_OPEN.lastIndex = 0;
  for (let m = RECORD_OPEN.exec(body); m; m = RECORD_OPEN.exec(body)) {
    if (want !== undefined && (m[1] ?? '') !== want) continue;
    const close = `</${m[1] ?? ''}record>`;
    const at = body.indexOf(close, RECORD_OPEN.lastIndex);
    const end = at < 0 ? body.length : at + close.length;
    spans.push({ start: m.index, end });
    if (at < 0) break;
    RECORD_OPEN.lastIndex = end;
  }
  return spans;
}

export function parseAggregate(
  xml: string,
  source: ReportSource,
  options: { maxRecords?: number } = {},
): Parsed<AggregateReport> {
  const problems: Problem[] = [];
  const body = xml.replace(/^\uFEFF/, '');
  if (/<!DOCTYPE/i.test(body) || /<!ENTITY/i.test(body)) {
    return {
      ok: false,
      problems: [
        { code: 'doctype', text: 'the XML has a DOCTYPE or entity declarations; refused, never expanded' },
      ],
    };
  }
  // the records are cut out and parsed one at a time: a report with 100,000 rows never becomes one
  // object tree, and only the normalised records stay in memory
  const spans = recordSpans(body);
  const head = spans.length
    ? body.slice(0, spans[0]?.start) + body.slice(spans[spans.length - 1]?.end)
    : body;
  let doc: Node;
  try {
    doc = obj(parser.parse(head));
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
  const orgName = ustr(meta, 'org_name');
  if (orgName === null) problems.push({ code: 'org-name-missing', text: 'empty or missing org_name' });
  if (reportId === null) problems.push({ code: 'report-id-missing', text: 'empty or missing report_id' });
  const domain = str(pub, 'domain')?.toLowerCase() ?? null;
  if (domain === null) problems.push({ code: 'policy-domain-missing', text: 'no policy_published/domain' });

  const max = options.maxRecords ?? MAX_RECORDS;
  const total = spans.length;
  if (total === 0) problems.push({ code: 'no-records', text: 'the report has no <record>' });
  if (total > max) {
    problems.push({
      code: 'records-capped',
      text: `${total} records; only the first ${max} are listed`,
    });
  }
  const records: AggregateRecord[] = [];
  for (const [i, span] of spans.slice(0, max).entries()) {
    let r: Node;
    try {
      r = obj(first(obj(parser.parse(body.slice(span.start, span.end))).record));
    } catch (e) {
      problems.push({ code: 'record-unreadable', text: `record ${i + 1}: ${(e as Error).message}` });
      continue;
    }
    records.push(parseRecord(r, i, problems));
  }

  if (orgName === null && reportId === null && domain === null && !records.some((r) => r.sourceIp !== null)) {
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
  return {
    ok: true,
    value: {
      kind: 'dmarc-aggregate',
      source,
      version,
      namespace: ns,
      orgName,
      email: ustr(meta, 'email'),
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
      recordCount: total,
      records,
      problems,
    },
    problems,
  };
}
