/**
 * Live checks of the dashboard: a bounded queue in front of `check`, so the server never becomes
 * an open SSRF or DNS amplifier. A job is one domain name (normalised, never a URL or address);
 * at most `concurrency` run at once, at most `maxQueued` wait, at most `perClient` belong to one
 * client at a time, and each has a deadline. How a check runs (resolver, address policy from
 * `--live-allow-private`, never the server's own `--allow-private`) is the caller's `run`.
 */
import { randomBytes } from 'node:crypto';
import type { DomainDocument } from '../audit/document.ts';
import { normaliseDomain } from '../core/names.ts';

export type JobState = 'queued' | 'running' | 'done' | 'failed';

/** The records and files a check's findings ask for (the shape of `check --fix --json`'s `fix`). */
export interface FixRecords {
  readonly records: readonly { name: string; type: string; ttl: number; value: string }[];
  readonly files: readonly { url: string; contentType: string; body: string }[];
  readonly notes: readonly string[];
}

export interface LiveResult {
  readonly doc: DomainDocument;
  /** what the generators propose for the findings; null when none ran */
  readonly fix?: FixRecords | null;
}

export interface LiveJob {
  readonly id: string;
  readonly domain: string;
  readonly client: string;
  state: JobState;
  readonly queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  doc: DomainDocument | null;
  fix: FixRecords | null;
  error: string | null;
}

export interface LiveOptions {
  /** runs one check; the signal fires at the deadline */
  readonly run: (domain: string, signal: AbortSignal) => Promise<LiveResult>;
  readonly concurrency?: number;
  readonly maxQueued?: number;
  readonly perClient?: number;
  /** per check (ms) */
  readonly deadlineMs?: number;
  /** finished jobs kept for their pages */
  readonly keep?: number;
}

export type Submitted = { ok: true; job: LiveJob } | { ok: false; status: 400 | 429 | 503; reason: string };

/** The public view of a job (the API's JSON). */
export function jobJson(j: LiveJob): Record<string, unknown> {
  return {
    id: j.id,
    domain: j.domain,
    state: j.state,
    queuedAt: j.queuedAt,
    startedAt: j.startedAt,
    finishedAt: j.finishedAt,
    error: j.error,
    document: j.doc,
    fix: j.fix,
  };
}

export class LiveChecks {
  private readonly o: Required<Omit<LiveOptions, 'run'>> & Pick<LiveOptions, 'run'>;
  private readonly jobs = new Map<string, LiveJob>();
  private readonly waiting: LiveJob[] = [];
  private running = 0;
  private readonly controllers = new Set<AbortController>();
  private closed = false;

  constructor(o: LiveOptions) {
    this.o = {
      run: o.run,
      concurrency: o.concurrency ?? 2,
      maxQueued: o.maxQueued ?? 20,
      perClient: o.perClient ?? 3,
      deadlineMs: o.deadlineMs ?? 90_000,
      keep: o.keep ?? 200,
    };
  }

  /** Queues a check of `input` for `client`, or says why not. */
  submit(input: string, client: string): Submitted {
    if (this.closed) return { ok: false, status: 503, reason: 'the server is shutting down' };
    const name = normaliseDomain(input.slice(0, 300));
    if (!name.ok || !name.name.includes('.') || /^[\d.]+$/.test(name.name)) {
      return { ok: false, status: 400, reason: 'not a domain name (give a name such as example.ch)' };
    }
    const mine = [...this.jobs.values()].filter(
      (j) => j.client === client && (j.state === 'queued' || j.state === 'running'),
    ).length;
    if (mine >= this.o.perClient) {
      return {
        ok: false,
        status: 429,
        reason: `you have ${mine} checks in progress; wait until one finishes`,
      };
    }
    if (this.waiting.length >= this.o.maxQueued) {
      return { ok: false, status: 503, reason: 'the live check queue is full; try again in a minute' };
    }
    const job: LiveJob = {
      id: randomBytes(16).toString('base64url'),
      domain: name.name,
      client,
      state: 'queued',
      queuedAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
      doc: null,
      fix: null,
      error: null,
    };
    this.jobs.set(job.id, job);
    this.trim();
    this.waiting.push(job);
    this.pump();
    return { ok: true, job };
  }

  get(id: string): LiveJob | undefined {
    return this.jobs.get(id);
  }

  /** the jobs of one domain, newest first */
  forDomain(domain: string): LiveJob[] {
    return [...this.jobs.values()].filter((j) => j.domain === domain).reverse();
  }

  /** the jobs of one client, newest first */
  forClient(client: string): LiveJob[] {
    return [...this.jobs.values()].filter((j) => j.client === client).reverse();
  }

  /** position in the queue (1 = next), 0 when not waiting */
  position(id: string): number {
    return this.waiting.findIndex((j) => j.id === id) + 1;
  }

  /** Waits until a job is finished (tests; the pages poll). */
  async settled(id: string, pollMs = 50): Promise<LiveJob | undefined> {
    for (;;) {
      const j = this.jobs.get(id);
      if (!j || j.state === 'done' || j.state === 'failed') return j;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  /** Stops taking jobs, aborts the running ones. */
  close(): void {
    this.closed = true;
    this.waiting.length = 0;
    for (const c of this.controllers) c.abort();
  }

  private trim(): void {
    if (this.jobs.size <= this.o.keep) return;
    for (const [id, j] of this.jobs) {
      if (this.jobs.size <= this.o.keep) break;
      if (j.state === 'done' || j.state === 'failed') this.jobs.delete(id);
    }
  }

  private pump(): void {
    while (this.running < this.o.concurrency && this.waiting.length) {
      const job = this.waiting.shift() as LiveJob;
      this.running++;
      void this.execute(job).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async execute(job: LiveJob): Promise<void> {
    const controller = new AbortController();
    this.controllers.add(controller);
    const timer = setTimeout(() => controller.abort(), this.o.deadlineMs);
    job.state = 'running';
    job.startedAt = new Date().toISOString();
    try {
      const result = await this.o.run(job.domain, controller.signal);
      job.doc = result.doc;
      job.fix = result.fix ?? null;
      job.state = controller.signal.aborted ? 'failed' : 'done';
      if (controller.signal.aborted) job.error = `the check took longer than ${this.o.deadlineMs / 1000} s`;
    } catch (e) {
      job.state = 'failed';
      job.error = e instanceof Error ? e.message : String(e);
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
      job.finishedAt = new Date().toISOString();
    }
  }
}
