/**
 * `--resolver ADDR` forms: `127.0.0.1`, `127.0.0.1:5353`, `[::1]:53`, `::1` (UDP, TCP after a
 * truncated answer), `tcp://` before any of them (TCP only, pipelined: RFC 7766),
 * `https://host[:port]/dns-query` (DoH, RFC 8484).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { ErrorCode, MailsecError } from '../core/errors.ts';

export type ResolverSpec =
  | {
      /** udp: datagrams, TCP after a truncated answer; tcp: one pipelined stream (tcp://) */
      readonly kind: 'udp' | 'tcp';
      readonly address: string;
      readonly port: number;
      readonly text: string;
    }
  | {
      readonly kind: 'doh';
      readonly url: string;
      /** host as written in the URL (without brackets) */
      readonly host: string;
      readonly port: number;
      readonly path: string;
      readonly text: string;
    };

const HINT =
  'a resolver address is 127.0.0.1, 127.0.0.1:5353, [::1]:53, ::1, tcp://127.0.0.1 (TCP only) or https://host/dns-query';

function bad(text: string, why: string): MailsecError {
  return new MailsecError(ErrorCode.Usage, `"${text}" is not a resolver address (${why}).`, HINT, {
    detail: {
      option: 'resolver',
      value: text,
      reason: `is not a resolver address (${why})`,
      example: '127.0.0.1',
    },
  });
}

function parsePort(text: string, p: string): number {
  if (!/^\d{1,5}$/.test(p)) throw bad(text, 'the port is not a number');
  const n = Number(p);
  if (n < 1 || n > 65535) throw bad(text, 'the port is out of range');
  return n;
}

export function parseResolverSpec(input: string): ResolverSpec {
  const text = input.trim();
  if (text === '') throw bad(input, 'it is empty');
  if (/^https:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw bad(text, 'it is not a valid URL');
    }
    if (url.username || url.password) throw bad(text, 'credentials in the URL are not supported');
    if (url.search || url.hash) throw bad(text, 'DoH takes no query or fragment (POST is used)');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    return {
      kind: 'doh',
      url: url.href,
      host,
      port: url.port ? Number(url.port) : 443,
      path: url.pathname || '/dns-query',
      text,
    };
  }
  if (/^tcp:\/\//i.test(text)) {
    const rest = text.slice('tcp://'.length).replace(/\/$/, '');
    if (rest === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(rest)) throw bad(text, 'tcp:// takes an IP address');
    return { kind: 'tcp', ...parseAddress(text, rest), text };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text))
    throw bad(text, 'only tcp:// (plain DNS over TCP) and https:// (DoH) URLs are supported');
  return { kind: 'udp', ...parseAddress(text, text), text };
}

/** `rest`: an IP address, optionally with a port (`text`: the whole input, for errors) */
function parseAddress(text: string, rest: string): { address: string; port: number } {
  if (isIP(rest) === 4) return { address: rest, port: 53 };
  if (isIP(rest) === 6) return { address: rest.toLowerCase(), port: 53 };
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  if (v6) {
    const address = v6[1]!;
    if (isIP(address) !== 6) throw bad(text, 'the address in brackets is not an IPv6 address');
    return { address: address.toLowerCase(), port: v6[2] === undefined ? 53 : parsePort(text, v6[2]) };
  }
  const v4 = /^([^:]+):([^:]*)$/.exec(rest);
  if (v4 && isIP(v4[1]!) === 4) return { address: v4[1]!, port: parsePort(text, v4[2]!) };
  throw bad(text, 'give an IP address, optionally with a port, or an https:// DoH URL');
}

/** The first `nameserver` of a resolv.conf text, or undefined. */
export function firstNameserver(resolvConf: string): string | undefined {
  for (const line of resolvConf.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m) return m[1]!.replace(/%.*$/, ''); // drop an IPv6 zone id
  }
  return undefined;
}

/**
 * The system's resolver: the first nameserver of resolv.conf. Throws a usage error (detail
 * `{ option: 'resolver', path }`) when it names none. Which source wins (flag, environment,
 * system) is the CLI's choice (cli/options.ts).
 */
export function systemResolverSpec(resolvConfPath = '/etc/resolv.conf'): ResolverSpec {
  let conf = '';
  try {
    conf = readFileSync(resolvConfPath, 'utf8');
  } catch {
    // fall through
  }
  const ns = firstNameserver(conf);
  if (!ns) {
    throw new MailsecError(
      ErrorCode.Usage,
      `no resolver given, and ${resolvConfPath} names no nameserver.`,
      HINT,
      { detail: { option: 'resolver', path: resolvConfPath, reason: 'names no nameserver' } },
    );
  }
  return parseResolverSpec(ns);
}

/** The spec in its canonical address form (what the resolver option takes). */
export function formatResolverSpec(s: ResolverSpec): string {
  if (s.kind === 'doh') return s.url;
  const address = s.address.includes(':') ? `[${s.address}]:${s.port}` : `${s.address}:${s.port}`;
  return s.kind === 'tcp' ? `tcp://${address}` : address;
}
