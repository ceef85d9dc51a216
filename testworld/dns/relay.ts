/**
 * A delaying DNS relay (UDP and TCP) in front of the authoritative server: the kernel here has no
 * netem, so latency is injected in user space. Every public name-server address of the testworld
 * gets a relay that forwards to NSD's backend address and holds each message for half the round
 * trip on the way there and half on the way back.
 *
 * Run as its own process (so its CPU is not the measured program's):
 *   node testworld/dns/relay.ts CONFIG.json      → prints "ready" once every socket is bound
 * CONFIG: { "listen": ["127.S.0.1", …], "backend": "127.S.0.201", "delayMs": 30 }
 * Only node's own modules: the script is also copied next to a detached testworld.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Socket as TcpSocket } from 'node:net';

export interface RelayConfig {
  readonly listen: readonly string[];
  readonly backend: string;
  readonly delayMs: number;
  readonly port?: number;
}

interface Pending {
  readonly client: Socket;
  readonly port: number;
  readonly address: string;
  readonly id: number;
  readonly at: number;
}

/** Starts the relays; resolves once bound. */
export async function startRelay(cfg: RelayConfig): Promise<() => void> {
  const port = cfg.port ?? 53;
  const half = Math.max(0, cfg.delayMs / 2);
  const later = (f: () => void) => (half > 0 ? setTimeout(f, half) : setImmediate(f));
  // upstream sockets with their own id space: up to 65,536 queries in flight each
  const upstreams: { socket: Socket; next: number; pending: Map<number, Pending> }[] = [];
  for (let i = 0; i < 8; i++) {
    const socket = createSocket('udp4');
    const u = { socket, next: (i * 7919) & 0xffff, pending: new Map<number, Pending>() };
    socket.on('message', (msg: Buffer) => {
      if (msg.length < 12) return;
      const p = u.pending.get(msg.readUInt16BE(0));
      if (!p) return;
      u.pending.delete(msg.readUInt16BE(0));
      msg.writeUInt16BE(p.id, 0);
      later(() => p.client.send(msg, p.port, p.address));
    });
    socket.on('error', () => {});
    await new Promise<void>((r) => socket.bind(0, r));
    upstreams.push(u);
  }
  let rr = 0;
  const sweep = setInterval(() => {
    const old = Date.now() - 10_000;
    for (const u of upstreams) for (const [k, p] of u.pending) if (p.at < old) u.pending.delete(k);
  }, 5000);
  sweep.unref();
  const closers: (() => void)[] = [() => clearInterval(sweep)];
  for (const address of cfg.listen) {
    const client = createSocket('udp4');
    client.on('message', (msg: Buffer, from: RemoteInfo) => {
      if (msg.length < 12) return;
      const u = upstreams[rr++ % upstreams.length]!;
      let id = u.next;
      for (let tries = 0; u.pending.has(id) && tries < 65536; tries++) id = (id + 1) & 0xffff;
      u.next = (id + 1) & 0xffff;
      u.pending.set(id, {
        client,
        port: from.port,
        address: from.address,
        id: msg.readUInt16BE(0),
        at: Date.now(),
      });
      msg.writeUInt16BE(id, 0);
      later(() => u.socket.send(msg, port, cfg.backend));
    });
    client.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      client.once('error', reject);
      client.bind(port, address, () => {
        client.off('error', reject);
        resolve();
      });
    });
    const server = createServer((down: TcpSocket) => {
      const up = connect(port, cfg.backend);
      down.on('data', (d) => later(() => up.write(d)));
      up.on('data', (d) => later(() => down.write(d)));
      const end = () => {
        down.destroy();
        up.destroy();
      };
      down.on('error', end);
      up.on('error', end);
      down.on('close', () => later(() => up.end()));
      up.on('close', () => later(() => down.end()));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    closers.push(
      () => client.close(),
      () => server.close(),
    );
  }
  closers.push(() => {
    for (const u of upstreams) u.socket.close();
  });
  return () => {
    for (const c of closers) c();
  };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!) && process.argv[2]) {
  const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8')) as RelayConfig;
  startRelay(cfg).then(
    () => process.stdout.write('ready\n'),
    (e: Error) => {
      process.stdout.write(`error: ${e.message}\n`);
      process.exit(1);
    },
  );
  process.on('SIGTERM', () => process.exit(0));
  process.stdout.on('error', () => {});
}
