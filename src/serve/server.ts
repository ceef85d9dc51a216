/**
 * `mailsec serve`: the dashboard's HTTP server (Fastify). Security first (see security.ts and
 * docs/serve.md): the Host check runs before anything else, then authentication, then — for a
 * state-changing request — the origin and CSRF checks; helmet sets a strict CSP (no inline script,
 * `default-src 'self'`), nosniff and frame denial on every answer; stored reports download as
 * attachments under `Content-Security-Policy: sandbox`. Pages are Eta templates with auto-escape
 * (views/), the little JavaScript there is a static file (static/app.js).
 */
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import { Eta } from 'eta';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ErrorCode, isMailsecError } from '../core/errors.ts';
import type { LiveChecks } from './live.ts';
import type { ReportData } from './reports.ts';
import { pageRoutes } from './routes.ts';
import type { ScanData } from './scans.ts';
import {
  allowedHosts,
  bearerToken,
  type ListenAddress,
  SESSION_COOKIE,
  SESSION_MS,
  Sessions,
  sameOrigin,
  tokenMatches,
} from './security.ts';

export interface ServeOptions {
  readonly listen: ListenAddress;
  /** PEM certificate and key: HTTPS */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** with a token, every page and API call but /login and static assets needs authentication */
  readonly token?: string;
  /** further names the server answers as (Host header) */
  readonly serverNames?: readonly string[];
  readonly scans: ScanData;
  readonly reports: ReportData;
  /** null: live checks are off */
  readonly live: LiveChecks | null;
  readonly version: string;
  /** what live checks may connect to, as shown on the live check page */
  readonly livePolicy: string;
  /** login attempts per client and minute (default 5) */
  readonly loginPerMinute?: number;
  /** live checks per client and minute (default 10) */
  readonly checksPerMinute?: number;
}

export type AuthKind = 'none' | 'session' | 'bearer';

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthKind;
  }
}

export const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));
export const VIEWS_DIR = fileURLToPath(new URL('./views/', import.meta.url));

/** The CSP of every page: nothing inline runs, everything comes from the server itself. */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
} as const;

const isApi = (req: FastifyRequest) => req.url.startsWith('/api/') || req.url === '/api';
/** what answers without authentication */
const isOpen = (path: string) => path === '/login' || path.startsWith('/static/') || path === '/favicon.ico';
const pathOf = (url: string) => url.split('?')[0] ?? url;

export interface Served {
  readonly app: FastifyInstance;
  readonly origin: string;
  readonly sessions: Sessions;
}

/** Builds the server (not listening yet). */
export async function createServer(o: ServeOptions): Promise<Served> {
  const scheme = o.tls ? 'https' : 'http';
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    routerOptions: { maxParamLength: 300 },
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    keepAliveTimeout: 5_000,
    return503OnClosing: true,
    trustProxy: false,
    ...(o.tls ? { https: { cert: o.tls.cert, key: o.tls.key, minVersion: 'TLSv1.2' as const } } : {}),
  }) as unknown as FastifyInstance;
  const sessions = new Sessions();
  const eta = new Eta({ views: VIEWS_DIR, autoEscape: true, useWith: false, varName: 'it', cache: true });

  // 1. DNS rebinding: a Host the server does not listen as gets 421, before anything else runs
  // the names it listens as, with the port it got (port 0: a free one), known once it listens
  let hosts: Set<string> | null = null;
  const hostsNow = () => {
    if (hosts) return hosts;
    const bound = app.server.address();
    const port = typeof bound === 'object' && bound ? bound.port : o.listen.port;
    hosts = allowedHosts(
      { host: o.listen.host, port },
      { tls: o.tls !== undefined, ...(o.serverNames ? { serverNames: o.serverNames } : {}) },
    );
    return hosts;
  };
  app.addHook('onRequest', async (req, reply) => {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!hostsNow().has(host)) {
      reply.code(421).type('text/plain; charset=utf-8').header('cache-control', 'no-store');
      return reply.send(
        'Misdirected request: this server does not answer for that host name (DNS rebinding protection).\n',
      );
    }
  });

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: { ...CSP_DIRECTIVES } },
    frameguard: { action: 'deny' },
    hsts: o.tls ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    // same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` with a form, which the origin check refuses
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
  });
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody, { bodyLimit: 16 * 1024 });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'mailsec_csrf',
    cookieOpts: { path: '/', httpOnly: true, secure: true, sameSite: 'strict' },
  });
  await app.register(fastifyRateLimit, { global: false });

  app.decorateRequest('auth', 'none');

  // 2. authentication: with a token, only /login and static assets answer without it
  app.addHook('onRequest', async (req, reply) => {
    if (o.token === undefined) {
      req.auth = 'none';
      return;
    }
    const bearer = bearerToken(req.headers.authorization);
    if (bearer !== undefined && tokenMatches(bearer, o.token)) {
      req.auth = 'bearer';
      return;
    }
    if (bearer === undefined && sessions.valid(req.cookies[SESSION_COOKIE])) {
      req.auth = 'session';
      return;
    }
    if (isOpen(pathOf(req.url))) return;
    reply.code(401).header('cache-control', 'no-store');
    if (isApi(req)) {
      reply.header('www-authenticate', 'Bearer realm="mailsec"');
      return reply.send({ error: 'authentication required: Authorization: Bearer <token>' });
    }
    const next = pathOf(req.url);
    return reply
      .type('text/html; charset=utf-8')
      .send(eta.render('unauthorised', { title: 'Log in', version: o.version, next, nav: false }));
  });

  // 3. state-changing requests: another site's origin is refused; without the bearer token a CSRF token is needed
  app.addHook('preValidation', (req, reply, done) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return done();
    if (!sameOrigin(req.headers as Record<string, string | undefined>, `${scheme}://${req.headers.host}`)) {
      reply.code(403);
      return done(Object.assign(new Error('cross-origin request refused'), { statusCode: 403 }));
    }
    if (req.auth === 'bearer') return done();
    app.csrfProtection(req, reply, done);
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  await app.register(fastifyStatic, {
    root: STATIC_DIR,
    prefix: '/static/',
    index: false,
    list: false,
    dotfiles: 'deny',
    decorateReply: false,
    cacheControl: false,
    etag: true,
    serveDotFiles: false,
  } as Parameters<typeof fastifyStatic>[1]);

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    let status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    let message =
      status < 500
        ? err.code === 'FST_CSRF_INVALID_TOKEN' || err.code === 'FST_CSRF_MISSING_SECRET'
          ? 'the form’s CSRF token is missing or wrong: reload the page and send it again'
          : err.message
        : 'internal error';
    if (isMailsecError(err) && err.code === ErrorCode.StoreLocked) {
      status = 503;
      message = 'the database is busy (another process is writing it); try again in a moment';
      reply.header('retry-after', '5');
    } else if (isMailsecError(err)) {
      // the store's own words (a newer schema, tables to migrate): what the operator should do
      status = err.code === ErrorCode.StoreVersion ? 503 : 500;
      message = err.hint ? `${err.message}: ${err.hint}` : err.message;
    }
    return sendError(reply, req, status, message);
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, req, 404, 'no such page'));

  function sendError(reply: FastifyReply, req: FastifyRequest, status: number, message: string) {
    reply.code(status);
    if (isApi(req) || req.headers.accept === 'application/json')
      return reply.type('application/json; charset=utf-8').send({ error: message });
    return reply
      .type('text/html; charset=utf-8')
      .send(eta.render('error', { title: `${status}`, status, message, version: o.version, nav: true }));
  }

  await app.register(pageRoutes, {
    eta,
    options: o,
    sessions,
    sessionCookie: {
      name: SESSION_COOKIE,
      opts: {
        path: '/',
        httpOnly: true,
        secure: true,
        sameSite: 'strict' as const,
        maxAge: Math.floor(SESSION_MS / 1000),
      },
    },
    clientKey: (req: FastifyRequest) => {
      const sid = req.cookies[SESSION_COOKIE];
      return sid && sessions.valid(sid) ? `s:${sid}` : `ip:${req.ip}`;
    },
  });

  const port = o.listen.port;
  const shown = o.listen.host.includes(':') ? `[${o.listen.host}]` : o.listen.host;
  return { app, origin: `${scheme}://${shown}:${port}`, sessions };
}
