/**
 * What travels through Redis in a scale-out scan (docs/scale-out.md has the formats):
 *
 * - a **chunk job** on the queue `chunks` (shared by every scan; workers take any): the scan's
 *   name, the chunk's id, its domains, and the scan's options as plain data (`JobConfig`, the
 *   `AuditConfig` fields that may travel, plus the run's rate limits);
 * - a **result job** on the scan's own queue `results-<key>`, added by the worker that ran the
 *   chunk (job id = chunk id, so a chunk retried after a stall adds no second one while the first
 *   waits): the `check --json` documents as gzip'd JSON Lines, the domains that failed or that the
 *   worker's own exclusions kept out, and counters. The collector (the `scan --queue` process)
 *   writes each result job as one part of the store.
 *
 * Both sides treat the other's data as hostile: a worker validates a job before it runs anything
 * (`parseChunkJob`: types, bounds, names, CIDRs), the collector validates a result
 * (`parseChunkResult`, `decodeDocuments`: sizes, shapes) and re-derives each row from the document.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { AuditConfig } from '../audit/environment.ts';
import { CHECK_IDS } from '../checks/index.ts';
import type { CheckId } from '../checks/types.ts';
import { normaliseDomain } from '../core/names.ts';
import { parseCidr } from '../net/address-policy.ts';

export const JOB_VERSION = 1;
/** BullMQ's key prefix: every key of mailsec's queues starts with `mailsec:` */
export const PREFIX = 'mailsec';
/** the queue of chunk jobs, shared by all scans */
export const CHUNK_QUEUE = 'chunks';
/** the most domains one chunk may carry */
export const MAX_CHUNK = 10_000;
/** default domains per chunk (`--chunk`) */
export const DEFAULT_CHUNK = 500;
/** the largest decompressed result a collector accepts (one chunk's documents) */
export const MAX_RESULT_BYTES = 512 * 2 ** 20;

/** A scan's name as a key part: safe characters and a hash (two names never share a key). */
export function scanKey(scan: string): string {
  const safe = scan.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  return `${safe}-${createHash('sha256').update(scan).digest('hex').slice(0, 10)}`;
}

export function resultsQueueName(scan: string): string {
  return `results-${scanKey(scan)}`;
}

/** The id of a chunk: the scan and its domains hashed (the same chunk enqueued twice is one job). */
export function chunkId(scan: string, domains: readonly string[]): string {
  const h = createHash('sha256').update(scan).update('\n');
  for (const d of domains) h.update(d).update('\n');
  return `${scanKey(scan)}.${h.digest('hex').slice(0, 24)}`;
}

/** The part of the store a chunk becomes (deterministic: a retried chunk names the same part). */
export function partName(chunk: string): string {
  return `q-${chunk.slice(chunk.lastIndexOf('.') + 1)}`;
}

/** The `AuditConfig` fields a scan's options carry to its workers (never a file path: caFile is the worker's). */
export type JobConfig = Pick<
  AuditConfig,
  | 'resolver'
  | 'timeoutMs'
  | 'attempts'
  | 'allowPrivate'
  | 'only'
  | 'selectors'
  | 'selectorList'
  | 'obsoleteSpfType'
  | 'exclude'
  | 'bimiSelector'
  | 'vmcRoots'
  | 'noSmtp'
  | 'noHttp'
  | 'ehlo'
  | 'smtpTimeoutMs'
  | 'httpTimeoutMs'
>;

export interface RunLimits {
  /** DNS queries per second of the whole scan, across its workers (0: no fixed ceiling) */
  readonly qps: number;
  /** queries per second per name-server operator, across the workers (0: none) */
  readonly nsQps: number;
  /** how long a shared SMTP probe result is kept (ms) */
  readonly probeTtlMs: number;
}

export interface ChunkJob {
  readonly v: typeof JOB_VERSION;
  readonly scan: string;
  readonly chunk: string;
  readonly domains: readonly string[];
  readonly config: JobConfig;
  readonly limits: RunLimits;
}

export interface ChunkResult {
  readonly v: typeof JOB_VERSION;
  readonly scan: string;
  readonly chunk: string;
  /** host:pid of the worker that ran it */
  readonly worker: string;
  /** the documents: gzip of JSON Lines, base64 */
  readonly docs: string;
  /** how many documents `docs` holds */
  readonly count: number;
  /** domains whose audit threw (not stored: a re-run scans them again) */
  readonly failed: readonly string[];
  /** domains the worker's own exclusions kept out (not scanned, not stored) */
  readonly excluded: readonly string[];
  /** DNS queries sent for the chunk */
  readonly queries: number;
  readonly elapsedMs: number;
}

/** Why a job or a result was refused (the message names the field). */
export class InvalidJob extends Error {
  override readonly name = 'InvalidJob';
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function str(o: Record<string, unknown>, k: string, max = 253): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length > max)
    throw new InvalidJob(`${k}: not a string of at most ${max} characters`);
  return v;
}

function int(o: Record<string, unknown>, k: string, min: number, max: number): number | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new InvalidJob(`${k}: not a whole number from ${min} to ${max}`);
  return v;
}

function bool(o: Record<string, unknown>, k: string): boolean | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new InvalidJob(`${k}: not true or false`);
  return v;
}

function strings(
  o: Record<string, unknown>,
  k: string,
  maxItems: number,
  maxLen: number,
): string[] | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length > maxItems || v.some((x) => typeof x !== 'string' || x.length > maxLen))
    throw new InvalidJob(`${k}: not a list of at most ${maxItems} strings`);
  return v as string[];
}

/** A DNS name as the checks take it (normalised; the job's text must already be normal). */
function name(text: string, field: string): string {
  const n = normaliseDomain(text);
  if (!n.ok || n.name !== text)
    throw new InvalidJob(`${field}: "${text.slice(0, 80)}" is not a normalised domain name`);
  return n.name;
}

function jobConfig(v: unknown): JobConfig {
  if (!isObj(v)) throw new InvalidJob('config: not an object');
  const resolver = str(v, 'resolver', 2048);
  if (!resolver) throw new InvalidJob('config.resolver: missing');
  const allowPrivate = strings(v, 'allowPrivate', 64, 64) ?? [];
  for (const c of allowPrivate) {
    try {
      parseCidr(c);
    } catch {
      throw new InvalidJob(`config.allowPrivate: "${c}" is not an address range`);
    }
  }
  const only = strings(v, 'only', CHECK_IDS.length, 32);
  for (const id of only ?? [])
    if (!CHECK_IDS.includes(id as CheckId)) throw new InvalidJob(`config.only: unknown check "${id}"`);
  const selectors = strings(v, 'selectors', 64, 63) ?? [];
  for (const s of selectors)
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(s))
      throw new InvalidJob(`config.selectors: "${s}" is not a selector`);
  const selectorList = str(v, 'selectorList', 8);
  if (selectorList !== undefined && selectorList !== 'short' && selectorList !== 'full')
    throw new InvalidJob('config.selectorList: not short or full');
  const exclude = strings(v, 'exclude', 1_000_000, 1024) ?? [];
  const bimiSelector = str(v, 'bimiSelector', 63);
  if (bimiSelector !== undefined) name(`${bimiSelector}.x`, 'config.bimiSelector');
  const ehlo = str(v, 'ehlo', 253);
  if (ehlo !== undefined) name(ehlo, 'config.ehlo');
  const vmcRoots = str(v, 'vmcRoots', 4 * 2 ** 20);
  const timeoutMs = int(v, 'timeoutMs', 100, 120_000);
  const attempts = int(v, 'attempts', 1, 10);
  const smtpTimeoutMs = int(v, 'smtpTimeoutMs', 100, 300_000);
  const httpTimeoutMs = int(v, 'httpTimeoutMs', 100, 300_000);
  const obsoleteSpfType = bool(v, 'obsoleteSpfType');
  const noSmtp = bool(v, 'noSmtp');
  const noHttp = bool(v, 'noHttp');
  return {
    resolver,
    allowPrivate,
    selectors,
    exclude,
    ...(only ? { only: only as CheckId[] } : {}),
    ...(selectorList ? { selectorList } : {}),
    ...(bimiSelector ? { bimiSelector } : {}),
    ...(ehlo ? { ehlo } : {}),
    ...(vmcRoots ? { vmcRoots } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(attempts !== undefined ? { attempts } : {}),
    ...(smtpTimeoutMs !== undefined ? { smtpTimeoutMs } : {}),
    ...(httpTimeoutMs !== undefined ? { httpTimeoutMs } : {}),
    ...(obsoleteSpfType !== undefined ? { obsoleteSpfType } : {}),
    ...(noSmtp !== undefined ? { noSmtp } : {}),
    ...(noHttp !== undefined ? { noHttp } : {}),
  };
}

/** A chunk job as a worker takes it from Redis: validated field by field, or InvalidJob. */
export function parseChunkJob(data: unknown): ChunkJob {
  if (!isObj(data)) throw new InvalidJob('the job is not an object');
  if (data.v !== JOB_VERSION)
    throw new InvalidJob(`job format ${String(data.v)}: this mailsec knows ${JOB_VERSION}`);
  const scan = str(data, 'scan', 256);
  const chunk = str(data, 'chunk', 128);
  if (!scan || !chunk) throw new InvalidJob('scan or chunk: missing');
  if (!/^[A-Za-z0-9_.-]+$/.test(chunk)) throw new InvalidJob('chunk: not an id');
  const domains = strings(data, 'domains', MAX_CHUNK, 253);
  if (!domains?.length) throw new InvalidJob('domains: missing or empty');
  for (const d of domains) name(d, 'domains');
  const limits = data.limits;
  if (!isObj(limits)) throw new InvalidJob('limits: not an object');
  return {
    v: JOB_VERSION,
    scan,
    chunk,
    domains,
    config: jobConfig(data.config),
    limits: {
      qps: int(limits, 'qps', 0, 10_000_000) ?? 0,
      nsQps: int(limits, 'nsQps', 0, 10_000_000) ?? 0,
      probeTtlMs: int(limits, 'probeTtlMs', 1000, 7 * 86_400_000) ?? 6 * 3_600_000,
    },
  };
}

/** A result job as the collector takes it from Redis: validated, or InvalidJob. */
export function parseChunkResult(data: unknown): ChunkResult {
  if (!isObj(data)) throw new InvalidJob('the result is not an object');
  if (data.v !== JOB_VERSION)
    throw new InvalidJob(`result format ${String(data.v)}: this mailsec knows ${JOB_VERSION}`);
  const scan = str(data, 'scan', 256);
  const chunk = str(data, 'chunk', 128);
  const docs = str(data, 'docs', MAX_RESULT_BYTES);
  if (!scan || !chunk || docs === undefined) throw new InvalidJob('scan, chunk or docs: missing');
  return {
    v: JOB_VERSION,
    scan,
    chunk,
    worker: str(data, 'worker', 300) ?? '?',
    docs,
    count: int(data, 'count', 0, MAX_CHUNK) ?? 0,
    failed: strings(data, 'failed', MAX_CHUNK, 253) ?? [],
    excluded: strings(data, 'excluded', MAX_CHUNK, 253) ?? [],
    queries: int(data, 'queries', 0, Number.MAX_SAFE_INTEGER) ?? 0,
    elapsedMs: int(data, 'elapsedMs', 0, Number.MAX_SAFE_INTEGER) ?? 0,
  };
}

/** Documents → gzip'd JSON Lines, base64 (a chunk's similar documents compress about tenfold). */
export function encodeDocuments(docs: readonly Record<string, unknown>[]): string {
  return gzipSync(docs.map((d) => JSON.stringify(d)).join('\n'), { level: 6 }).toString('base64');
}

/** The documents of a result (bounded: at most MAX_RESULT_BYTES unpacked, each an object with a domain). */
export function decodeDocuments(docs: string): Record<string, unknown>[] {
  if (docs === '') return [];
  let text: string;
  try {
    text = gunzipSync(Buffer.from(docs, 'base64'), { maxOutputLength: MAX_RESULT_BYTES }).toString('utf8');
  } catch (e) {
    throw new InvalidJob(
      `docs: not gzip'd JSON Lines within ${MAX_RESULT_BYTES} bytes (${(e as Error).message})`,
    );
  }
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let d: unknown;
    try {
      d = JSON.parse(line);
    } catch {
      throw new InvalidJob('docs: a line is not JSON');
    }
    if (!isObj(d) || typeof d.domain !== 'string') throw new InvalidJob('docs: a document without a domain');
    out.push(d);
  }
  if (out.length > MAX_CHUNK) throw new InvalidJob(`docs: more than ${MAX_CHUNK} documents`);
  return out;
}

/** The part of a scan's configuration that travels with its jobs (no file paths). */
export function jobConfigOf(c: AuditConfig): JobConfig {
  const { caFile: _caFile, ...rest } = c;
  return {
    ...rest,
    allowPrivate: [...(c.allowPrivate ?? [])],
    selectors: [...(c.selectors ?? [])],
    exclude: [...(c.exclude ?? [])],
  };
}
