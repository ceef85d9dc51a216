/**
 * A small authoritative DNS server for tests and benchmarks (UDP + TCP, dns-packet), answering from
 * a zone literal. It also poses as a recursive resolver (RA set), so a stub client can point at it.
 *
 *   const dns = await startMiniDns({ address: '127.77.3.1', zone: {
 *     'example.com': { A: ['192.0.2.1'], MX: [[10, 'mx.example.com']], TXT: ['v=spf1 -all'] },
 *     'www.example.com': { CNAME: 'example.com' },
 *     'slow.example.com': 'TIMEOUT',            // never answered, whatever the type
 *     'odd.example.com': { A: ['192.0.2.2'], TXT: 'SERVFAIL', '*': 'TIMEOUT' },
 *   } });
 *   dns.queries  // every query received, in order
 *   await dns.stop();
 *
 * Semantics:
 * - names are matched case-insensitively (trailing dot optional; '' or '.' is the root); any
 *   octets are allowed in labels ('%', spaces, ':' and '/' included), only '.' separates labels;
 * - unknown name → NXDOMAIN, except an empty non-terminal (a name with names below it) → NODATA;
 *   a known name without the type → NODATA (NOERROR, no answer); with the SOA of the nearest
 *   enclosing name that has one in the authority section, when there is one;
 * - a node given as an rcode string answers that rcode for every type; `TYPE: 'RCODE'` for one type;
 *   the `'*'` key gives the rcode for types the node does not list; 'TIMEOUT' = never answer;
 * - CNAME is followed inside the answer (loops stop after each name once), unless CNAME is asked;
 * - over UDP, a response larger than the client's EDNS payload size (512 without EDNS, or
 *   `udpPayload` when set) is truncated to the header and question with TC set; `tcpOnly` makes
 *   every UDP response truncated so clients must retry over TCP;
 * - `secure: true` on a node (every node of a CNAME chain) sets the AD bit, unless the query has CD.
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createTcpServer, isIP, type Socket, type Server as TcpServer } from 'node:net';
import dnsPacket from 'dns-packet';

export type MiniRcode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'FORMERR' | 'NOTIMP' | 'TIMEOUT';
export type MiniTxt = string | Uint8Array | readonly (string | Uint8Array)[];
export interface MiniNode {
  A?: readonly string[] | MiniRcode;
  AAAA?: readonly string[] | MiniRcode;
  NS?: readonly string[] | MiniRcode;
  PTR?: readonly string[] | MiniRcode;
  /** a single target; a node with CNAME should have nothing else (it wins over other types) */
  CNAME?: string;
  MX?: readonly (readonly [number, string] | { preference: number; exchange: string })[] | MiniRcode;
  /** each entry is one record: a string (split into 255-octet character-strings) or a list of strings */
  TXT?: readonly MiniTxt[] | MiniRcode;
  SPF?: readonly MiniTxt[] | MiniRcode;
  CAA?: readonly { flags?: number; tag: string; value: string }[] | MiniRcode;
  SOA?: {
    mname: string;
    rname: string;
    serial?: number;
    refresh?: number;
    retry?: number;
    expire?: number;
    minimum?: number;
  };
  SRV?: readonly { priority: number; weight: number; port: number; target: string }[] | MiniRcode;
  /** data: hex */
  TLSA?: readonly { usage: number; selector: number; matchingType: number; data: string }[] | MiniRcode;
  /** digest: hex */
  DS?: readonly { keyTag: number; algorithm: number; digestType: number; digest: string }[] | MiniRcode;
  /** key: base64 */
  DNSKEY?: readonly { flags: number; algorithm: number; key: string }[] | MiniRcode;
  /** rcode for every type not listed in this node */
  '*'?: MiniRcode;
  /** TTL of this node's records (default 300) */
  ttl?: number;
  /** answers from this node carry the AD bit (unless the query set CD) */
  secure?: boolean;
}
export type MiniZone = Readonly<Record<string, MiniNode | MiniRcode>>;

export interface MiniQuery {
  /** the name as received (case preserved, no trailing dot) */
  readonly name: string;
  readonly type: string;
  readonly class: string;
  readonly id: number;
  readonly transport: 'udp' | 'tcp';
  readonly rd: boolean;
  readonly cd: boolean;
  /** EDNS DO bit */
  readonly do: boolean;
  /** EDNS UDP payload size, when the query has EDNS */
  readonly ednsPayload?: number;
  readonly from: { readonly address: string; readonly port: number };
}

/**
 * Called for every query before it is answered: `send` sends a raw packet to the querier on the
 * same transport (to test spoofing and mismatches); returning 'drop' suppresses the normal answer.
 */
export type MiniIntercept = (
  q: MiniQuery,
  send: (packet: Uint8Array) => void,
) => undefined | 'drop' | Promise<undefined | 'drop'>;

export interface MiniDnsOptions {
  readonly address: string;
  /** default 0: any free port (UDP and TCP share it) */
  readonly port?: number;
  readonly zone: MiniZone;
  readonly tcpOnly?: boolean;
  /** largest UDP response; default: the query's EDNS payload size, or 512 without EDNS */
  readonly udpPayload?: number;
  readonly intercept?: MiniIntercept;
}

export interface MiniDns {
  readonly address: string;
  readonly port: number;
  /** "127.0.0.1:5353" / "[::1]:5353", the form --resolver takes */
  readonly spec: string;
  readonly queries: MiniQuery[];
  setZone(zone: MiniZone): void;
  setIntercept(intercept: MiniIntercept | undefined): void;
  /** the answer the server would give (null: TIMEOUT), for forwarding front-ends such as DoH */
  answer(query: Uint8Array, transport?: 'udp' | 'tcp'): Uint8Array | null;
  /** closes every TCP connection open now (a resolver's idle timeout or restart); returns how many */
  closeTcpConnections(): number;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Zone handling

const RCODE_NUM: Record<string, number> = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
};

const keyOf = (name: string) => {
  const n = name.toLowerCase();
  return n === '.' ? '' : n.endsWith('.') ? n.slice(0, -1) : n;
};

interface Compiled {
  nodes: Map<string, MiniNode | MiniRcode>;
  /** names that exist only because something exists below them */
  nonTerminals: Set<string>;
}

function compile(zone: MiniZone): Compiled {
  const nodes = new Map<string, MiniNode | MiniRcode>();
  const nonTerminals = new Set<string>();
  for (const [k, v] of Object.entries(zone)) nodes.set(keyOf(k), v);
  for (const k of nodes.keys()) {
    let rest = k;
    for (let i = rest.indexOf('.'); i >= 0; i = rest.indexOf('.')) {
      rest = rest.slice(i + 1);
      if (!nodes.has(rest)) nonTerminals.add(rest);
    }
  }
  return { nodes, nonTerminals };
}

type WireAnswer = Record<string, unknown> & { name: string; type: string };

function txtStrings(t: MiniTxt): Buffer[] {
  const parts = typeof t === 'string' || t instanceof Uint8Array ? [t] : t;
  const out: Buffer[] = [];
  for (const p of parts) {
    const b = typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p);
    if (b.length === 0) out.push(b);
    for (let i = 0; i < b.length; i += 255) out.push(b.subarray(i, i + 255));
  }
  return out;
}

function txtRdata(t: MiniTxt): Buffer {
  const chunks = txtStrings(t);
  return Buffer.concat(chunks.flatMap((c) => [Buffer.from([c.length]), c]));
}

function rdataFor(type: string, v: unknown): { type: string; data: unknown } {
  switch (type) {
    case 'MX': {
      const m = v as readonly [number, string] | { preference: number; exchange: string };
      return Array.isArray(m)
        ? { type, data: { preference: m[0], exchange: m[1] } }
        : { type, data: { ...(m as object) } };
    }
    case 'TXT':
      return { type, data: txtStrings(v as MiniTxt) };
    case 'SPF':
      return { type, data: txtRdata(v as MiniTxt) };
    case 'CAA': {
      const c = v as { flags?: number; tag: string; value: string };
      return { type, data: { flags: c.flags ?? 0, tag: c.tag, value: c.value } };
    }
    case 'SOA': {
      const s = v as NonNullable<MiniNode['SOA']>;
      return {
        type,
        data: {
          mname: s.mname,
          rname: s.rname,
          serial: s.serial ?? 1,
          refresh: s.refresh ?? 3600,
          retry: s.retry ?? 600,
          expire: s.expire ?? 86400,
          minimum: s.minimum ?? 60,
        },
      };
    }
    case 'TLSA': {
      const t = v as { usage: number; selector: number; matchingType: number; data: string };
      return {
        type,
        data: {
          usage: t.usage,
          selector: t.selector,
          matchingType: t.matchingType,
          certificate: Buffer.from(t.data, 'hex'),
        },
      };
    }
    case 'DS': {
      const d = v as { keyTag: number; algorithm: number; digestType: number; digest: string };
      return { type, data: { ...d, digest: Buffer.from(d.digest, 'hex') } };
    }
    case 'DNSKEY': {
      const d = v as { flags: number; algorithm: number; key: string };
      return { type, data: { ...d, key: Buffer.from(d.key, 'base64') } };
    }
    default:
      return { type, data: v };
  }
}

interface Resolution {
  rcode: MiniRcode;
  answers: WireAnswer[];
  authorities: WireAnswer[];
  secure: boolean;
}

function nearestSoa(c: Compiled, name: string): WireAnswer | undefined {
  let n: string | null = name;
  while (n !== null) {
    const node = c.nodes.get(n);
    if (node && typeof node === 'object' && node.SOA) {
      const ttl = node.ttl ?? 300;
      return { name: n === '' ? '.' : n, ttl, class: 'IN', ...rdataFor('SOA', node.SOA) };
    }
    if (n === '') break;
    const i: number = n.indexOf('.');
    n = i < 0 ? '' : n.slice(i + 1);
  }
  return undefined;
}

function resolve(c: Compiled, qname: string, qtype: string): Resolution {
  const answers: WireAnswer[] = [];
  const seen = new Set<string>();
  let owner = qname; // the name as written in the answer (first: as asked)
  let current = keyOf(qname);
  let secure = true;
  for (;;) {
    const node = c.nodes.get(current);
    const negative = (rcode: MiniRcode): Resolution => {
      const soa = nearestSoa(c, current);
      return { rcode, answers, authorities: soa ? [soa] : [], secure };
    };
    if (node === undefined) {
      return negative(c.nonTerminals.has(current) ? 'NOERROR' : 'NXDOMAIN');
    }
    if (typeof node === 'string') return { rcode: node, answers, authorities: [], secure: false };
    secure &&= node.secure === true;
    const ttl = node.ttl ?? 300;
    if (node.CNAME !== undefined && qtype !== 'CNAME') {
      answers.push({ name: owner || '.', type: 'CNAME', class: 'IN', ttl, data: node.CNAME });
      seen.add(current);
      const next = keyOf(node.CNAME);
      if (seen.has(next)) return { rcode: 'NOERROR', answers, authorities: [], secure };
      owner = node.CNAME.replace(/\.$/, '');
      current = next;
      continue;
    }
    const data: unknown =
      qtype === 'CNAME' && node.CNAME !== undefined
        ? [node.CNAME]
        : qtype === 'SOA' && node.SOA
          ? [node.SOA]
          : (node as Record<string, unknown>)[qtype];
    if (typeof data === 'string')
      return { rcode: data as MiniRcode, answers, authorities: [], secure: false };
    if (data === undefined && node['*'] !== undefined && node['*'] !== 'NOERROR') {
      return { rcode: node['*'], answers, authorities: [], secure: false };
    }
    const list = (data ?? []) as readonly unknown[];
    if (list.length === 0) return negative('NOERROR');
    for (const v of list) {
      answers.push({ name: owner || '.', class: 'IN', ttl, ...rdataFor(qtype, v) });
    }
    return { rcode: 'NOERROR', answers, authorities: [], secure };
  }
}

// ---------------------------------------------------------------------------------------------
// Wire handling

interface DecodedQuery {
  id?: number;
  flags?: number;
  questions?: { name: string; type: string; class?: string }[];
  additionals?: { type: string; udpPayloadSize?: number; flags?: number }[];
}

function buildResponse(
  zone: Compiled,
  q: DecodedQuery,
  transport: 'udp' | 'tcp',
  opts: { tcpOnly: boolean; udpPayload: number | undefined },
): Buffer | null {
  const flagsIn = q.flags ?? 0;
  const opt = q.additionals?.find((a) => a.type === 'OPT');
  const question = q.questions?.[0];
  const rd = flagsIn & dnsPacket.RECURSION_DESIRED;
  const cd = flagsIn & dnsPacket.CHECKING_DISABLED;
  const base = dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | rd | cd;
  const additionals = opt ? [{ name: '.', type: 'OPT', udpPayloadSize: 1232, flags: opt.flags ?? 0 }] : [];
  const make = (rcode: number, extra: object, flags = 0) =>
    dnsPacket.encode({
      type: 'response',
      id: q.id ?? 0,
      flags: base | flags | rcode,
      questions: q.questions ?? [],
      additionals,
      ...extra,
    } as dnsPacket.Packet);
  if (!question || (q.questions?.length ?? 0) !== 1) return make(RCODE_NUM.FORMERR!, {});
  const r = resolve(zone, question.name, question.type.toUpperCase());
  if (r.rcode === 'TIMEOUT') return null;
  const ad = r.secure && !cd && r.rcode !== 'SERVFAIL' ? dnsPacket.AUTHENTIC_DATA : 0;
  const full = make(RCODE_NUM[r.rcode] ?? 2, { answers: r.answers, authorities: r.authorities }, ad);
  if (transport === 'udp') {
    const limit = opts.tcpOnly ? 0 : (opts.udpPayload ?? Math.max(512, opt?.udpPayloadSize ?? 512));
    if (full.length > limit) return make(RCODE_NUM[r.rcode] ?? 2, {}, ad | dnsPacket.TRUNCATED_RESPONSE);
  }
  return full;
}

function describe(q: DecodedQuery, transport: 'udp' | 'tcp', address: string, port: number): MiniQuery {
  const question = q.questions?.[0];
  const opt = q.additionals?.find((a) => a.type === 'OPT');
  const flags = q.flags ?? 0;
  return {
    name: question?.name ?? '',
    type: question?.type ?? '',
    class: question?.class ?? 'IN',
    id: q.id ?? 0,
    transport,
    rd: (flags & dnsPacket.RECURSION_DESIRED) !== 0,
    cd: (flags & dnsPacket.CHECKING_DISABLED) !== 0,
    do: opt ? ((opt.flags ?? 0) & dnsPacket.DNSSEC_OK) !== 0 : false,
    ...(opt ? { ednsPayload: opt.udpPayloadSize ?? 0 } : {}),
    from: { address, port },
  };
}

function bindUdp(address: string, port: number): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type: isIP(address) === 6 ? 'udp6' : 'udp4' });
    s.once('error', reject);
    s.bind({ address, port, exclusive: true }, () => {
      s.off('error', reject);
      try {
        s.setRecvBufferSize(4 << 20); // bursts of thousands of queries
        s.setSendBufferSize(4 << 20);
      } catch {
        // capped by the system
      }
      resolve(s);
    });
  });
}

function listenTcp(server: TcpServer, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function startMiniDns(options: MiniDnsOptions): Promise<MiniDns> {
  let zone = compile(options.zone);
  let intercept = options.intercept;
  const queries: MiniQuery[] = [];
  const respOpts = { tcpOnly: options.tcpOnly === true, udpPayload: options.udpPayload };
  const connections = new Set<Socket>();
  let stopped = false;

  const handle = async (
    buf: Buffer,
    transport: 'udp' | 'tcp',
    from: { address: string; port: number },
    send: (b: Uint8Array) => void,
  ) => {
    let q: DecodedQuery;
    try {
      q = dnsPacket.decode(buf) as DecodedQuery;
    } catch {
      return; // not DNS: ignore, as a server would
    }
    if ((q as { type?: string }).type === 'response') return;
    const info = describe(q, transport, from.address, from.port);
    queries.push(info);
    if (intercept && (await intercept(info, send)) === 'drop') return;
    if (stopped) return;
    const out = buildResponse(zone, q, transport, respOpts);
    if (out) send(out);
  };

  // UDP and TCP on the same port: bind UDP first, then TCP on its port (retry when taken).
  let udp: UdpSocket | undefined;
  let tcp: TcpServer | undefined;
  for (let attempt = 0; ; attempt++) {
    udp = await bindUdp(options.address, options.port ?? 0);
    const port = udp.address().port;
    tcp = createTcpServer((sock) => {
      connections.add(sock);
      sock.on('close', () => connections.delete(sock));
      sock.on('error', () => {});
      let pending = Buffer.alloc(0);
      sock.on('data', (chunk) => {
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        while (pending.length >= 2) {
          const len = pending.readUInt16BE(0);
          if (pending.length < 2 + len) break;
          const msg = pending.subarray(2, 2 + len);
          pending = pending.subarray(2 + len);
          void handle(msg, 'tcp', { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 }, (b) => {
            if (sock.destroyed) return;
            const head = Buffer.alloc(2);
            head.writeUInt16BE(b.length);
            sock.write(Buffer.concat([head, b]));
          });
        }
      });
    });
    try {
      await listenTcp(tcp, options.address, port);
      break;
    } catch (e) {
      udp.close();
      if (options.port || attempt >= 20) throw e;
    }
  }
  const u = udp;
  const t = tcp;
  u.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    void handle(msg, 'udp', { address: rinfo.address, port: rinfo.port }, (b) => {
      if (!stopped) u.send(b, rinfo.port, rinfo.address, () => {});
    });
  });
  u.on('error', () => {});
  const port = u.address().port;
  const spec = isIP(options.address) === 6 ? `[${options.address}]:${port}` : `${options.address}:${port}`;

  return {
    address: options.address,
    port,
    spec,
    queries,
    setZone(z) {
      zone = compile(z);
    },
    setIntercept(i) {
      intercept = i;
    },
    answer(query, transport = 'tcp') {
      try {
        const q = dnsPacket.decode(Buffer.from(query)) as DecodedQuery;
        return buildResponse(zone, q, transport, respOpts);
      } catch {
        return null;
      }
    },
    closeTcpConnections() {
      const n = connections.size;
      for (const c of connections) c.destroy();
      return n;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const c of connections) c.destroy();
      await Promise.all([
        new Promise<void>((r) => u.close(() => r())),
        new Promise<void>((r) => t.close(() => r())),
      ]);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The openspf RFC 7208 test suite's `zonedata`

/**
 * Converts one scenario's `zonedata` of the openspf test suite (rfc7208-tests.yml, parsed) to a
 * MiniZone, with the semantics of the suite's reference harness (pyspf testspf.py):
 * - each name holds a list of `{ TYPE: value }` entries and bare `TIMEOUT` markers;
 * - a query of type T returns the T entries listed before the first `TIMEOUT` marker; when none is
 *   listed before a marker, the query times out (so `[TXT, TIMEOUT]` answers TXT, times out SPF);
 * - `SPF` entries also publish the same text as TXT unless the name has any `TXT` entry;
 *   `TXT: NONE` (or `SPF: NONE`) publishes nothing but stops that;
 * - TXT/SPF values are a string (one character-string) or a list of strings; MX is
 *   `[preference, exchange]`.
 */
export function zoneFromRfc7208(zonedata: Readonly<Record<string, readonly unknown[] | null>>): MiniZone {
  const zone: Record<string, MiniNode> = {};
  for (const [name, entries] of Object.entries(zonedata)) {
    const list = entries ?? [];
    const items: ({ t: string; v: unknown } | 'TIMEOUT')[] = [];
    const generated: { t: string; v: unknown }[] = [];
    let gen = true;
    for (const e of list) {
      if (e === 'TIMEOUT') {
        items.push('TIMEOUT');
        continue;
      }
      for (const [t, v] of Object.entries(e as Record<string, unknown>)) {
        if (t === 'TXT') gen = false;
        else if (t === 'SPF' && v !== 'NONE') generated.push({ t: 'TXT', v });
        if (v !== 'NONE') items.push({ t, v });
      }
    }
    if (gen) items.push(...generated);
    const types = new Set(items.flatMap((i) => (i === 'TIMEOUT' ? [] : [i.t])));
    const firstTimeout = items.indexOf('TIMEOUT');
    const node: Record<string, unknown> = {};
    for (const t of types) {
      const before = (firstTimeout < 0 ? items : items.slice(0, firstTimeout)).filter(
        (i): i is { t: string; v: unknown } => i !== 'TIMEOUT' && i.t === t,
      );
      if (before.some((i) => i.v === 'TIMEOUT')) {
        node[t] = 'TIMEOUT';
        continue;
      }
      if (before.length === 0) {
        node[t] = 'TIMEOUT'; // only after the marker
        continue;
      }
      if (t === 'CNAME') node[t] = String(before[0]!.v);
      else node[t] = before.map((i) => (t === 'A' || t === 'AAAA' || t === 'PTR' ? String(i.v) : i.v));
    }
    if (firstTimeout >= 0) node['*'] = 'TIMEOUT';
    zone[name] = node as MiniNode;
  }
  return zone;
}
