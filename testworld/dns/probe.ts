/** A minimal DNS client over UDP (dns-packet) for readiness checks and the testworld's own tests. */
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';

export interface ProbeAnswer {
  readonly rcode: string;
  readonly ad: boolean;
  readonly aa: boolean;
  readonly answers: readonly ProbeRecord[];
  readonly authorities: readonly ProbeRecord[];
}

/** One record as dns-packet decodes it (`data` depends on the type: a string for A/AAAA/PTR/CNAME/NS). */
export interface ProbeRecord {
  readonly name: string;
  readonly type: string;
  readonly ttl?: number;
  readonly data: unknown;
}

function simplify(rs: readonly dnsPacket.Answer[] | undefined): ProbeRecord[] {
  return (rs ?? []).map((r) => {
    const x = r as { name: string; type: string; ttl?: number; data?: unknown };
    return { name: x.name, type: x.type, ...(x.ttl !== undefined ? { ttl: x.ttl } : {}), data: x.data };
  });
}

export interface ProbeOptions {
  readonly cd?: boolean;
  /** set DO (EDNS) to get RRSIGs */
  readonly dnssecOk?: boolean;
  readonly timeoutMs?: number;
  readonly port?: number;
  /** RD bit (default true) */
  readonly recursionDesired?: boolean;
}

/** Sends one UDP query; rejects with a TIMEOUT error when nothing comes back in time. */
export function probe(
  server: string,
  name: string,
  type: dnsPacket.RecordType,
  options: ProbeOptions = {},
): Promise<ProbeAnswer> {
  const id = Math.floor(Math.random() * 65535);
  let flags = dnsPacket.AUTHENTIC_DATA;
  if (options.recursionDesired !== false) flags |= dnsPacket.RECURSION_DESIRED;
  if (options.cd) flags |= dnsPacket.CHECKING_DISABLED;
  const query = dnsPacket.encode({
    type: 'query',
    id,
    flags,
    questions: [{ type, name, class: 'IN' }],
    additionals: [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: 1232,
        flags: options.dnssecOk ? dnsPacket.DNSSEC_OK : 0,
      } as never,
    ],
  });
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`TIMEOUT: no answer from ${server} for ${name} ${type}`));
    }, options.timeoutMs ?? 3000);
    socket.on('error', (e) => {
      clearTimeout(timer);
      socket.close();
      reject(e);
    });
    socket.on('message', (msg) => {
      let p: dnsPacket.Packet;
      try {
        p = dnsPacket.decode(msg);
      } catch {
        return;
      }
      if (p.id !== id) return;
      clearTimeout(timer);
      socket.close();
      const f = p.flags ?? 0;
      resolve({
        rcode: (p as { rcode?: string }).rcode ?? 'NOERROR',
        ad: (f & dnsPacket.AUTHENTIC_DATA) !== 0,
        aa: (f & dnsPacket.AUTHORITATIVE_ANSWER) !== 0,
        answers: simplify(p.answers),
        authorities: simplify(p.authorities),
      });
    });
    socket.send(query, options.port ?? 53, server);
  });
}

/** Retries `probe` until it gets any answer, or throws after `totalMs`. */
export async function waitForDns(
  server: string,
  name: string,
  type: dnsPacket.RecordType,
  totalMs: number,
  isFatal?: () => string | undefined,
): Promise<ProbeAnswer> {
  const deadline = Date.now() + totalMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const fatal = isFatal?.();
    if (fatal) throw new Error(fatal);
    try {
      return await probe(server, name, type, { timeoutMs: 250 });
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 30));
    }
  }
  throw new Error(`${server} did not answer ${name} ${type} within ${totalMs} ms: ${String(last)}`);
}
