/**
 * The testworld's SMTP hosts (testworld/scenarios/smtp.ts): a CA made with openssl, one small
 * SMTP server per behaviour on its own {net}.4.* – {net}.6.* address, and optionally a real
 * Postfix. Each server counts its connections.
 *
 *   const tw = await startTestworld();
 *   const smtp = await startSmtpHosts(tw);
 *   smtp.caFile                        // NODE_EXTRA_CA_CERTS / --ca-file
 *   smtp.count('smtp-shared')          // connections so far
 *   await smtp.stop();
 */
import { join } from 'node:path';
import { createTestCa, type IssueOptions, type TestCa } from '../ca.ts';
import { HOSTILE_BANNER, HOSTILE_SUBJECT } from '../scenarios/hostile.ts';
import { type PostfixInstance, startPostfix } from './postfix.ts';
import { type RunningSmtpServer, type SmtpServerSpec, type StarttlsMode, startSmtpServer } from './server.ts';

export interface SmtpHostDef {
  /** the scenario domain (its MX is mx.<domain>) */
  readonly domain: string;
  /** address suffix after {net} */
  readonly suffix: string;
  readonly starttls: StarttlsMode;
  /** certificate: common name and options (default: mx.<domain>, issued by the intermediate) */
  readonly cert?: { readonly cn?: string } & IssueOptions;
  readonly banner?: readonly string[];
  readonly bannerDelayMs?: number;
  /** nothing listens (closed port) */
  readonly closed?: boolean;
  /** also listen on ::1 (only one host may) */
  readonly ipv6?: boolean;
}

/** What each testworld SMTP host is (see testworld/scenarios/smtp.ts). */
export const SMTP_HOSTS: readonly SmtpHostDef[] = [
  { domain: 'smtp-good.test', suffix: '4.10', starttls: 'yes' },
  // the README showcase (testworld/scenarios/records.ts): DANE-EE with the fixed key, rollover-ready
  { domain: 'full.test', suffix: '3.40', starttls: 'yes', cert: { cn: 'mx1.full.test', key: 'dane-ee' } },
  { domain: 'smtp-none.test', suffix: '4.11', starttls: 'no' },
  { domain: 'smtp-refused.test', suffix: '4.12', starttls: 'refuse' },
  { domain: 'smtp-handshake.test', suffix: '4.13', starttls: 'broken' },
  { domain: 'smtp-expired.test', suffix: '4.14', starttls: 'yes', cert: { expired: true } },
  { domain: 'smtp-selfsigned.test', suffix: '4.15', starttls: 'yes', cert: { selfSigned: true } },
  {
    domain: 'smtp-wrongname.test',
    suffix: '4.16',
    starttls: 'yes',
    cert: { cn: 'www.elsewhere.test', sans: ['www.elsewhere.test'] },
  },
  { domain: 'smtp-slow.test', suffix: '4.17', starttls: 'yes', bannerDelayMs: 6000 },
  {
    domain: 'smtp-multiline.test',
    suffix: '4.18',
    starttls: 'yes',
    banner: [
      'mx.smtp-multiline.test ESMTP',
      'No UCE. This server is part of the mailsec testworld.',
      'Hello.',
    ],
  },
  { domain: 'smtp-closed.test', suffix: '4.19', starttls: 'no', closed: true },
  { domain: 'smtp-shared.test', suffix: '4.20', starttls: 'yes' },
  { domain: 'smtp-v6.test', suffix: '4.21', starttls: 'yes', ipv6: true },
  { domain: 'dane-ee.test', suffix: '5.10', starttls: 'yes', cert: { key: 'dane-ee' } },
  { domain: 'dane-ta.test', suffix: '5.11', starttls: 'yes', cert: { key: 'dane-ta-leaf' } },
  {
    domain: 'dane-ta-wrongname.test',
    suffix: '5.16',
    starttls: 'yes',
    cert: { key: 'dane-ta-leaf', cn: 'www.elsewhere.test', sans: ['www.elsewhere.test'] },
  },
  { domain: 'dane-ee-bad.test', suffix: '5.12', starttls: 'yes', cert: { key: 'dane-ee' } },
  { domain: 'dane-ta-bad.test', suffix: '5.13', starttls: 'yes', cert: { key: 'dane-ta-leaf' } },
  { domain: 'dane-insecure.test', suffix: '5.14', starttls: 'yes', cert: { key: 'dane-ee' } },
  { domain: 'dane-bogus.test', suffix: '5.15', starttls: 'yes', cert: { key: 'dane-ee' } },
  // testworld/scenarios/generate.ts: a fixed key, so TLSA records generated in one testworld hold in the next
  {
    domain: 'gen-mail.test',
    suffix: '9.10',
    starttls: 'yes',
    cert: { key: 'gen-mx', sans: ['mx.gen-mail.test', 'mx.gen-insecure.test'] },
  },
  // testworld/scenarios/hostile.ts: a payload greeting and a self-signed certificate whose subject
  // (and so issuer) is a payload
  {
    domain: 'hostile.test',
    suffix: '9.60',
    starttls: 'yes',
    banner: HOSTILE_BANNER,
    cert: { selfSigned: true, subject: HOSTILE_SUBJECT },
  },
];

export const POSTFIX_HOST = { domain: 'smtp-postfix.test', suffix: '6.10' } as const;

export interface SmtpHosts {
  readonly ca: TestCa;
  /** the testworld root (PEM file) */
  readonly caFile: string;
  /** MX address by scenario domain */
  readonly addresses: Readonly<Record<string, string>>;
  /** whether ::1:25 could be bound (another test may hold it) */
  readonly ipv6: boolean;
  /** whether Postfix runs (not installed, or failed to start: see postfixError) */
  readonly postfix: boolean;
  readonly postfixError: string | null;
  /** connections accepted by the host of a scenario domain (IPv4 and IPv6 together) */
  count(domain: string): number;
  /** every server's count, by domain */
  counts(): Record<string, number>;
  /** commands every host received (for "never MAIL FROM") */
  commands(): string[];
  stop(): Promise<void>;
}

export interface SmtpHostsOptions {
  /** start Postfix for smtp-postfix.test (default true; skipped when not installed) */
  readonly postfix?: boolean;
  /** bind ::1:25 for smtp-v6.test (default true; skipped when busy) */
  readonly ipv6?: boolean;
}

/** The part of a Testworld this needs. */
export interface TestworldLike {
  readonly dir: string;
  ip(suffix: string): string;
}

export async function startSmtpHosts(tw: TestworldLike, o: SmtpHostsOptions = {}): Promise<SmtpHosts> {
  const ca = await createTestCa(join(tw.dir, 'smtp-ca'));
  const servers = new Map<string, RunningSmtpServer[]>();
  const addresses: Record<string, string> = {};
  let ipv6 = false;
  let postfix: PostfixInstance | null = null;
  let postfixError: string | null = null;
  const started: RunningSmtpServer[] = [];
  try {
    const leafs = await Promise.all(
      SMTP_HOSTS.map((h) =>
        h.starttls === 'yes'
          ? ca.issue(h.cert?.cn ?? `mx.${h.domain}`, { ...h.cert })
          : Promise.resolve(null),
      ),
    );
    await Promise.all(
      SMTP_HOSTS.map(async (h, i) => {
        const address = tw.ip(h.suffix);
        addresses[h.domain] = address;
        if (h.closed) return;
        const leaf = leafs[i];
        const spec: SmtpServerSpec = {
          hostname: `mx.${h.domain}`,
          address,
          starttls: h.starttls,
          ...(leaf ? { keyPem: leaf.keyPem, chainPem: leaf.chainPem } : {}),
          ...(h.banner ? { banner: h.banner } : {}),
          ...(h.bannerDelayMs ? { bannerDelayMs: h.bannerDelayMs } : {}),
        };
        const list: RunningSmtpServer[] = [await startSmtpServer(spec)];
        started.push(list[0]!);
        if (h.ipv6 && o.ipv6 !== false) {
          try {
            const v6 = await startSmtpServer({ ...spec, address: '::1' });
            started.push(v6);
            list.push(v6);
            ipv6 = true;
          } catch {
            ipv6 = false; // ::1:25 busy (another test file holds it)
          }
        }
        servers.set(h.domain, list);
      }),
    );
    addresses[POSTFIX_HOST.domain] = tw.ip(POSTFIX_HOST.suffix);
    if (o.postfix !== false) {
      try {
        const cert = await ca.issue(`mx.${POSTFIX_HOST.domain}`);
        postfix = await startPostfix({
          address: tw.ip(POSTFIX_HOST.suffix),
          hostname: `mx.${POSTFIX_HOST.domain}`,
          keyFile: cert.keyFile,
          chainFile: cert.chainFile,
        });
      } catch (e) {
        postfixError = e instanceof Error ? e.message : String(e);
      }
    }
  } catch (e) {
    await Promise.all(started.map((s) => s.close()));
    throw e;
  }
  const count = (domain: string) => (servers.get(domain) ?? []).reduce((n, s) => n + s.connections, 0);
  return {
    ca,
    caFile: ca.rootFile,
    addresses,
    ipv6,
    postfix: postfix !== null,
    postfixError,
    count,
    counts: () => Object.fromEntries([...servers.keys()].map((d) => [d, count(d)])),
    commands: () => started.flatMap((s) => s.commands),
    async stop() {
      await Promise.all(started.map((s) => s.close()));
      await postfix?.stop();
    },
  };
}
