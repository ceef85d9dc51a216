/**
 * The dashboard's pages and its JSON API. Every page has an `/api/…` twin that returns the CLI's
 * JSON for the same thing (interface.md `mailsec serve`): `/api/scans`, `/api/scans/NAME/report`
 * (the `report --json` document), `/api/domains/DOMAIN` (the latest `check --json` document),
 * `/api/reports/summary?domain=D` (the `reports summary --json` object), and more.
 *
 * Values from stored data reach a page only through the templates' escaping `<%= %>`; the one raw
 * insertion is chart SVG, which charts.ts rendered and checked (`assertSafeSvg`). Links are built
 * here with `encodeURIComponent`, never from a stored string used as a URL.
 */
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { Eta } from 'eta';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DomainDocument } from '../audit/document.ts';
import { normaliseDomain } from '../core/names.ts';
import { formatCount, formatPercent, reportView } from '../render/html/index.ts';
import { domainView, historyView } from './domain-view.ts';
import { jobJson } from './live.ts';
import { reportsView, shownReportXml } from './reports-view.ts';
import { NoSuchScan, splitKey, splitShare } from './scans.ts';
import { type Sessions, tokenMatches } from './security.ts';
import type { ServeOptions } from './server.ts';

export interface RouteContext {
  readonly eta: Eta;
  readonly options: ServeOptions;
  readonly sessions: Sessions;
  readonly sessionCookie: { name: string; opts: CookieSerializeOptions };
  readonly clientKey: (req: FastifyRequest) => string;
}

/** URLs of the dashboard, every part encoded. */
export const href = {
  scan: (scan: string, q: Record<string, string | undefined> = {}) =>
    `/scans/${encodeURIComponent(scan)}${query(q)}`,
  domains: (scan: string, key: string, provider?: string) =>
    `/scans/${encodeURIComponent(scan)}/domains${query({ key, provider })}`,
  domain: (domain: string, scan?: string) => `/domains/${encodeURIComponent(domain)}${query({ scan })}`,
  reports: (domain: string) => `/reports/${encodeURIComponent(domain)}`,
  report: (id: string) => `/reports/view/${encodeURIComponent(id)}`,
  job: (id: string) => `/check/${encodeURIComponent(id)}`,
};

function query(q: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

class HttpError extends Error {
  readonly statusCode: number;
  constructor(status: number, message: string) {
    super(message);
    this.statusCode = status;
  }
}

function domainParam(raw: string | undefined): string {
  const n = normaliseDomain(raw ?? '');
  if (!n.ok) throw new HttpError(400, 'not a domain name');
  return n.name;
}

/** A safe place to go after login: a path of this site only. */
function localPath(next: string | undefined): string {
  return next && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) && !next.startsWith('/login') ? next : '/';
}

export async function pageRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const o = ctx.options;
  const { eta } = ctx;

  const page = async (
    req: FastifyRequest,
    reply: FastifyReply,
    template: string,
    data: Record<string, unknown>,
    status = 200,
  ) => {
    const csrf = reply.generateCsrf();
    const html = eta.render(template, {
      version: o.version,
      nav: true,
      loggedIn: req.auth === 'session',
      authEnabled: o.token !== undefined,
      liveEnabled: o.live !== null,
      csrf,
      href,
      formatCount,
      formatPercent,
      ...data,
    });
    return reply.code(status).type('text/html; charset=utf-8').send(html);
  };

  const scanOrThrow = async (name: string) => {
    const scans = await o.scans.scans();
    const i = scans.findIndex((s) => s.name === name);
    if (i < 0) throw new HttpError(404, 'no such scan');
    return { scan: scans[i] as (typeof scans)[number], previous: previousOf(scans, i), scans };
  };

  // ---------- login ----------
  app.get('/login', async (req, reply) => {
    if (o.token === undefined || req.auth !== 'none')
      return reply.redirect(localPath(str((req.query as Record<string, unknown>).next)), 303);
    return page(req, reply, 'login', {
      title: 'Log in',
      nav: false,
      next: localPath(str((req.query as Record<string, unknown>).next)),
      failed: false,
    });
  });

  app.post(
    '/login',
    {
      config: {
        rateLimit: {
          max: o.loginPerMinute ?? 5,
          timeWindow: 60_000,
          keyGenerator: (req: FastifyRequest) => req.ip,
        },
      },
    },
    async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const next = localPath(str(body.next));
      if (o.token === undefined) return reply.redirect(next, 303);
      if (!tokenMatches(str(body.token), o.token)) {
        return page(req, reply, 'login', { title: 'Log in', nav: false, next, failed: true }, 401);
      }
      const id = ctx.sessions.create();
      reply.setCookie(ctx.sessionCookie.name, id, ctx.sessionCookie.opts);
      return reply.redirect(next, 303);
    },
  );

  app.post('/logout', async (req, reply) => {
    ctx.sessions.end(req.cookies[ctx.sessionCookie.name]);
    reply.clearCookie(ctx.sessionCookie.name, { path: '/' });
    return reply.redirect(o.token ? '/login' : '/', 303);
  });

  // ---------- overview ----------
  app.get('/', async (req, reply) => {
    const scans = await o.scans.scans();
    const latest = scans.at(-1);
    const before = previousOf(scans, scans.length - 1);
    let changes: { key: string; previous: number | null; now: number | null; pp: number | null }[] = [];
    if (latest && before) {
      const r = await o.scans.report(latest.name, { compare: before.name });
      changes = Object.entries(r.stats)
        .filter(
          ([k, s]) =>
            !/\.(error|skipped)$/.test(k) &&
            typeof s.change?.percentPoints === 'number' &&
            s.change.percentPoints !== 0,
        )
        .sort(
          (a, b) =>
            Math.abs(b[1].change?.percentPoints ?? 0) - Math.abs(a[1].change?.percentPoints ?? 0) ||
            a[0].localeCompare(b[0]),
        )
        .slice(0, 10)
        .map(([key, s]) => ({
          key,
          previous: s.previous?.percent ?? null,
          now: s.percent,
          pp: s.change?.percentPoints ?? null,
        }));
    }
    // the scans stay visible when the report tables cannot be read (e.g. waiting for a migration)
    let reportDomains: Awaited<ReturnType<typeof o.reports.summary>> = [];
    let recent: Awaited<ReturnType<typeof o.reports.list>> = [];
    let reportsError: string | null = null;
    try {
      [reportDomains, recent] = await Promise.all([o.reports.summary(), o.reports.list({}, 10)]);
    } catch (e) {
      reportsError = e instanceof Error ? e.message : String(e);
    }
    return page(req, reply, 'overview', {
      reportsError,
      title: 'Overview',
      scans: [...scans].reverse(),
      latest: latest ?? null,
      before: before ?? null,
      changes,
      reportDomains,
      recent,
    });
  });

  app.get('/domains', async (req, reply) => {
    const q = str((req.query as Record<string, unknown>).q) ?? '';
    const n = normaliseDomain(q);
    if (n.ok) return reply.redirect(href.domain(n.name), 303);
    throw new HttpError(400, 'not a domain name');
  });

  // ---------- a scan ----------
  const scanReport = async (req: FastifyRequest) => {
    const name = (req.params as { scan: string }).scan;
    const q = req.query as Record<string, unknown>;
    const provider = str(q.provider) || undefined;
    const { scan, previous, scans } = await scanOrThrow(name);
    const wanted = str(q.compare);
    const compare = wanted === 'none' ? undefined : wanted || previous?.name;
    if (compare !== undefined && !scans.some((s) => s.name === compare))
      throw new HttpError(404, 'no such scan to compare with');
    const report = await o.scans.report(scan.name, {
      ...(provider ? { provider } : {}),
      ...(compare ? { compare } : {}),
    });
    return { scan, scans, report, provider, compare };
  };

  // a report object is reused while its scan does not change (scans.ts), and so is its rendered view
  const views = new WeakMap<object, ReturnType<typeof reportView>>();
  app.get('/scans/:scan', async (req, reply) => {
    const { scan, scans, report, provider, compare } = await scanReport(req);
    let rendered = views.get(report);
    if (!rendered) {
      rendered = reportView(report, { version: o.version, generatedAt: new Date().toISOString() });
      rendered.catch(() => views.delete(report));
      views.set(report, rendered);
    }
    const view = await rendered;
    return page(req, reply, 'scan', {
      title: `Scan ${scan.name}`,
      scan,
      scans,
      report,
      view,
      provider: provider ?? null,
      compare: compare ?? null,
      domainsHref: (key: string) => href.domains(scan.name, key, provider),
    });
  });

  app.get('/scans/:scan/domains', async (req, reply) => {
    const name = (req.params as { scan: string }).scan;
    const q = req.query as Record<string, unknown>;
    const key = str(q.key) ?? '';
    if (!splitKey(key) && !splitShare(key)) throw new HttpError(400, 'not a statistic key');
    const provider = str(q.provider) || undefined;
    const pageNo = Math.max(1, Math.min(100_000, Number(str(q.page) ?? 1) || 1));
    const { scan } = await scanOrThrow(name);
    const size = 200;
    const list = await o.scans.domainsOf(scan.name, key, {
      ...(provider ? { provider } : {}),
      limit: size,
      offset: (pageNo - 1) * size,
    });
    return page(req, reply, 'domains', {
      title: `${key} in ${scan.name}`,
      scan,
      key,
      provider: provider ?? null,
      list,
      pageNo,
      pages: Math.max(1, Math.ceil(list.total / size)),
      pageHref: (n: number) => `${href.domains(scan.name, key, provider)}&page=${n}`,
    });
  });

  // ---------- a domain ----------
  const domainData = async (req: FastifyRequest) => {
    const domain = domainParam((req.params as { domain: string }).domain);
    const wanted = str((req.query as Record<string, unknown>).scan);
    const history = await o.scans.history(domain);
    const entry = wanted ? history.find((h) => h.scan === wanted) : history.at(-1);
    return { domain, history, entry };
  };

  app.get('/domains/:domain', async (req, reply) => {
    const { domain, history, entry } = await domainData(req);
    const reportDomains = await o.reports.summary({ domain }).catch(() => []);
    const live = o.live?.forDomain(domain) ?? [];
    return page(
      req,
      reply,
      'domain',
      {
        title: domain,
        domain,
        entry: entry ?? null,
        view: entry ? domainView(entry.doc as DomainDocument) : null,
        history: historyView(history).reverse(),
        hasReports: reportDomains.length > 0,
        live,
      },
      entry || live.length ? 200 : 404,
    );
  });

  // ---------- live check ----------
  app.get('/check', async (req, reply) => {
    const domain = str((req.query as Record<string, unknown>).domain) ?? '';
    return page(req, reply, 'check', {
      title: 'Live check',
      domain,
      error: null,
      recent: o.live?.forClient(ctx.clientKey(req)) ?? [],
      policy: o.livePolicy,
    });
  });

  const checkLimit = {
    config: {
      rateLimit: { max: o.checksPerMinute ?? 10, timeWindow: 60_000, keyGenerator: ctx.clientKey },
    },
  };

  app.post('/check', checkLimit, async (req, reply) => {
    const domain = str(((req.body ?? {}) as Record<string, unknown>).domain) ?? '';
    if (!o.live) throw new HttpError(404, 'live checks are off on this server');
    const r = o.live.submit(domain, ctx.clientKey(req));
    if (!r.ok)
      return page(
        req,
        reply,
        'check',
        {
          title: 'Live check',
          domain,
          error: r.reason,
          recent: o.live.forClient(ctx.clientKey(req)),
          policy: o.livePolicy,
        },
        r.status,
      );
    return reply.redirect(href.job(r.job.id), 303);
  });

  app.get('/check/:id', async (req, reply) => {
    const job = o.live?.get((req.params as { id: string }).id);
    if (!job) throw new HttpError(404, 'no such live check (finished checks are kept for a while only)');
    const stored = job.doc ? (await o.scans.history(job.domain)).at(-1) : undefined;
    return page(req, reply, 'job', {
      title: `Live check of ${job.domain}`,
      job,
      position: o.live?.position(job.id) ?? 0,
      view: job.doc ? domainView(job.doc) : null,
      changes:
        job.doc && stored
          ? historyView([stored, { scan: 'live', started: job.finishedAt ?? '', doc: job.doc }])[1]
          : null,
      stored: stored ?? null,
    });
  });

  // ---------- reports ----------
  app.get('/reports', async (req, reply) => {
    const domains = await o.reports.summary();
    return page(req, reply, 'reports', { title: 'Reports', domains });
  });

  app.get('/reports/:domain', async (req, reply) => {
    const domain = domainParam((req.params as { domain: string }).domain);
    const [summary] = await o.reports.summary({ domain });
    if (!summary) throw new HttpError(404, 'no reports for this domain');
    const [sources, list] = await Promise.all([o.reports.sources(domain), o.reports.list({ domain }, 500)]);
    return page(req, reply, 'report-domain', {
      title: `Reports for ${domain}`,
      domain,
      ...(await reportsView(summary, sources, list)),
    });
  });

  app.get('/reports/view/:id', async (req, reply) => {
    const shown = await o.reports.show((req.params as { id: string }).id);
    if (!shown) throw new HttpError(404, 'no such report');
    return page(req, reply, 'report', {
      title: `Report ${shown.id}`,
      shown,
      json: JSON.stringify(shown.report, null, 2),
      xml: shown.kind === 'dmarc-aggregate',
    });
  });

  /** a stored report as a file: an attachment, never rendered by the browser */
  const download = (reply: FastifyReply, name: string, type: string, body: string) =>
    reply
      .header('content-disposition', `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`)
      .header('content-security-policy', 'sandbox')
      .header('x-content-type-options', 'nosniff')
      .type(type)
      .send(body);

  app.get('/reports/view/:id/report.json', async (req, reply) => {
    const shown = await o.reports.show((req.params as { id: string }).id, { recordLimit: 1_000_000 });
    if (!shown) throw new HttpError(404, 'no such report');
    return download(
      reply,
      `${shown.id}.json`,
      'application/json; charset=utf-8',
      `${JSON.stringify(shown.report, null, 2)}\n`,
    );
  });

  app.get('/reports/view/:id/report.xml', async (req, reply) => {
    const shown = await o.reports.show((req.params as { id: string }).id, { recordLimit: 1_000_000 });
    if (!shown) throw new HttpError(404, 'no such report');
    if (shown.kind !== 'dmarc-aggregate')
      throw new HttpError(404, 'only DMARC aggregate reports have an XML form');
    return download(reply, `${shown.id}.xml`, 'application/xml; charset=utf-8', shownReportXml(shown));
  });

  // ---------- API ----------
  app.get('/api/csrf', async (_req, reply) => ({ token: reply.generateCsrf() }));

  app.get('/api/scans', async () => o.scans.scans());

  app.get('/api/scans/:scan/report', async (req) => (await scanReport(req)).report);

  app.get('/api/scans/:scan/domains', async (req) => {
    const name = (req.params as { scan: string }).scan;
    const q = req.query as Record<string, unknown>;
    const key = str(q.key) ?? '';
    if (!splitKey(key) && !splitShare(key)) throw new HttpError(400, 'not a statistic key');
    const { scan } = await scanOrThrow(name);
    const provider = str(q.provider) || undefined;
    const limit = Math.max(1, Math.min(10_000, Number(str(q.limit) ?? 1000) || 1000));
    const offset = Math.max(0, Number(str(q.offset) ?? 0) || 0);
    return {
      scan: scan.name,
      key,
      ...(await o.scans.domainsOf(scan.name, key, { ...(provider ? { provider } : {}), limit, offset })),
    };
  });

  app.get('/api/scans/:scan/domains/:domain', async (req) => {
    const { scan } = await scanOrThrow((req.params as { scan: string }).scan);
    const doc = await o.scans.document(scan.name, domainParam((req.params as { domain: string }).domain));
    if (!doc) throw new HttpError(404, 'the domain is not stored in this scan');
    return doc;
  });

  app.get('/api/domains/:domain', async (req) => {
    const { entry } = await domainData(req);
    if (!entry) throw new HttpError(404, 'no stored scan holds this domain');
    return entry.doc;
  });

  app.get('/api/domains/:domain/history', async (req) => {
    const { domain, history } = await domainData(req);
    return { domain, scans: historyView(history) };
  });

  app.get('/api/reports/summary', async (req) => {
    const q = req.query as Record<string, unknown>;
    const domain = str(q.domain);
    const filter = {
      ...(domain ? { domain: domainParam(domain) } : {}),
      ...(str(q.since) ? { since: str(q.since) } : {}),
      ...(str(q.until) ? { until: str(q.until) } : {}),
    };
    const list = await o.reports.summary(filter);
    return domain ? (list[0] ?? reply404('no reports for this domain')) : list;
  });

  app.get('/api/reports/sources', async (req) => {
    const domain = domainParam(str((req.query as Record<string, unknown>).domain));
    return o.reports.sources(domain);
  });

  app.get('/api/reports', async (req) => {
    const q = req.query as Record<string, unknown>;
    const domain = str(q.domain);
    return o.reports.list({ ...(domain ? { domain: domainParam(domain) } : {}) }, 1000);
  });

  app.get('/api/reports/:id', async (req) => {
    const shown = await o.reports.show((req.params as { id: string }).id);
    if (!shown) throw new HttpError(404, 'no such report');
    return shown;
  });

  app.post('/api/checks', checkLimit, async (req, reply) => {
    if (!o.live) throw new HttpError(404, 'live checks are off on this server');
    const domain = str(((req.body ?? {}) as Record<string, unknown>).domain) ?? '';
    const r = o.live.submit(domain, ctx.clientKey(req));
    if (!r.ok) return reply.code(r.status).send({ error: r.reason });
    return reply.code(202).header('location', `/api/checks/${r.job.id}`).send(jobJson(r.job));
  });

  app.get('/api/checks/:id', async (req) => {
    const job = o.live?.get((req.params as { id: string }).id);
    if (!job) throw new HttpError(404, 'no such live check');
    return { ...jobJson(job), position: o.live?.position(job.id) ?? 0 };
  });
}

/**
 * The scan to compare a scan with: the latest one begun before it over the same input (the same
 * population, so a change is a change in adoption), else simply the one before it.
 */
export function previousOf<T extends { input: string | null }>(
  scans: readonly T[],
  i: number,
): T | undefined {
  const scan = scans[i];
  if (!scan) return undefined;
  for (let j = i - 1; j >= 0; j--) if (scan.input !== null && scans[j]?.input === scan.input) return scans[j];
  return scans[i - 1];
}

function reply404(message: string): never {
  throw new HttpError(404, message);
}

export { HttpError, NoSuchScan };
