/** One testworld HTTPS server: binds its own address, answers from a route function, counts requests. */
import { createServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Reply } from './hosts.ts';

export interface HttpsServerSpec {
  readonly address: string;
  readonly port: number;
  readonly keyPem: string;
  readonly chainPem: string;
  /** the reply for a path (with query) and Host header; undefined → 404 */
  route(path: string, host: string): Reply | undefined;
}

export interface RunningHttpsServer {
  readonly requests: number;
  close(): Promise<void>;
}

export function startHttpsServer(spec: HttpsServerSpec): Promise<RunningHttpsServer> {
  let requests = 0;
  const sockets = new Set<Socket>();
  const server = createServer({ key: spec.keyPem, cert: spec.chainPem }, (req, res) => {
    requests++;
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const reply = spec.route(req.url ?? '/', host) ?? {
      status: 404,
      type: 'text/plain',
      body: 'not found\n',
    };
    const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : (reply.body ?? Buffer.alloc(0));
    res.writeHead(reply.status, {
      ...(reply.type ? { 'content-type': reply.type } : {}),
      ...(reply.chunked ? {} : { 'content-length': String(body.length) }),
      ...reply.headers,
    });
    res.end(body);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => {});
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: spec.address, port: spec.port, exclusive: true }, () => {
      server.off('error', reject);
      resolve({
        get requests() {
          return requests;
        },
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
