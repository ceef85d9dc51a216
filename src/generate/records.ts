/**
 * Helpers shared by the generators: building records, telling what a record replaces, merging
 * the records of several kinds, and turning records into the overlay the dry run resolves. Pure.
 *
 * Publishing rule: a generated record replaces, at its name, the records of its type; for TXT
 * only those of its own kind (the same `v=` tag: an SPF record replaces the SPF record and leaves
 * a site-verification TXT alone). CAA, MX and TLSA records are the complete set at their name.
 */
import { parseCaaRdata } from '../checks/caa/serialise.ts';
import { parseMxRdata } from '../checks/mx/serialise.ts';
import { parseTlsaRdata } from '../checks/smtp/serialise.ts';
import type { CaaRecord, MxRecord, TlsaRecord, TxtRecord } from '../dns/types.ts';
import { parseCharacterStrings, txtRdata } from '../protocol/presentation.ts';
import type { OverlayEdits } from './overlay.ts';
import type { GeneratedRecord, Proposal, RecordChange } from './types.ts';

export function record(
  name: string,
  type: string,
  value: string,
  ttl: number,
  change?: RecordChange,
): GeneratedRecord {
  return { name, type, ttl, value, ...(change ? { change } : {}) };
}

/** `v=spf1 …` → `v=spf1`; the kind tag of a TXT policy record (lower case), or null. */
export function txtKind(text: string): string | null {
  const m = /^\s*v\s*=\s*([A-Za-z0-9.]+)/.exec(text);
  return m ? `v=${m[1]!.toLowerCase()}` : null;
}

/** Whether the published record `existing` (rdata value) is replaced by the generated one. */
export function replaces(generated: Pick<GeneratedRecord, 'type' | 'value'>, existingValue: string): boolean {
  if (generated.type !== 'TXT') return true;
  const k = txtKind(generated.value);
  return k !== null && txtKind(existingValue) === k;
}

/** new / replace / unchanged against what is published now (null: not known). */
export function changeOf(value: string, current: readonly string[] | null): RecordChange | undefined {
  if (current === null) return undefined;
  if (current.includes(value)) return 'unchanged';
  return current.length ? 'replace' : 'new';
}

/** Records of several generators as one set: exact duplicates once; later kinds never override. */
export function mergeRecords(lists: readonly (readonly GeneratedRecord[])[]): GeneratedRecord[] {
  const out: GeneratedRecord[] = [];
  const seen = new Set<string>();
  for (const list of lists) {
    for (const r of list) {
      const key = `${r.name.toLowerCase()}|${r.type}|${r.value}`;
      if (seen.has(key)) continue;
      // a single-valued TXT policy (one SPF, one DMARC …) proposed twice: the first wins
      if (
        r.type === 'TXT' &&
        out.some(
          (o) => o.name.toLowerCase() === r.name.toLowerCase() && o.type === 'TXT' && replaces(o, r.value),
        )
      )
        continue;
      seen.add(key);
      out.push(r);
    }
  }
  return out;
}

function txtRecord(text: string): TxtRecord {
  const parsed = parseCharacterStrings(txtRdata(text));
  return { strings: parsed.ok ? parsed.value : [text], text };
}

/** The DNS edits that publishing `records` makes, for the dry run's overlay resolver. */
export function overlayOf(records: readonly GeneratedRecord[]): Map<string, OverlayEdits> {
  const byName = new Map<string, GeneratedRecord[]>();
  for (const r of records) {
    const k = r.name.toLowerCase();
    byName.set(k, [...(byName.get(k) ?? []), r]);
  }
  const edits = new Map<string, OverlayEdits>();
  for (const [name, list] of byName) {
    const e: { -readonly [K in keyof OverlayEdits]: OverlayEdits[K] } = {};
    const of = (type: string) => list.filter((r) => r.type === type);
    const txt = of('TXT');
    if (txt.length)
      e.TXT = (real) => [
        ...real.filter((x) => !txt.some((g) => replaces(g, x.text))),
        ...txt.map((g) => txtRecord(g.value)),
      ];
    const parsedAll = <R>(type: string, parse: (v: string) => { ok: boolean; value?: R }): R[] =>
      of(type)
        .map((r) => parse(r.value))
        .filter((p) => p.ok)
        .map((p) => p.value as R);
    const mx = parsedAll<MxRecord>('MX', parseMxRdata);
    if (of('MX').length) e.MX = () => mx;
    const caa = parsedAll<CaaRecord>('CAA', parseCaaRdata);
    if (of('CAA').length) e.CAA = () => caa;
    const tlsa = parsedAll<TlsaRecord>('TLSA', parseTlsaRdata);
    if (of('TLSA').length) e.TLSA = () => tlsa;
    edits.set(name, e);
  }
  return edits;
}

/** A proposal that publishes nothing: why, and what to do next. */
export function refusal(reason: string, next: string, notes: readonly string[] = []): Proposal {
  return { records: [], files: [], notes, warnings: [], refused: { reason, next } };
}

/** Whether `name` is the domain or inside it. */
export function inside(name: string, domain: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const d = domain.toLowerCase();
  return n === d || n.endsWith(`.${d}`);
}
