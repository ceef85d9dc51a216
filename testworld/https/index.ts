/**
 * The testworld's HTTPS hosts (testworld/scenarios/https.ts): one small node:https server per
 * behaviour on its own {net}.8.* address, port 443, with certificates from the testworld CA.
 * MTA-STS policy hosts (good, redirect, 404, wrong media type, oversized, wrong certificate, an MX
 * outside the policy), security.txt (valid, expired, HTML soft 404, legacy location), the Microsoft
 * login endpoints, BIMI logos and a mark certificate issued by a testworld mark root, DID
 * configurations (one verifiable, one forged) with their did:web documents, and MCP descriptions. Each server
 * counts the requests it receives.
 *
 *   const tw = await startTestworld();
 *   const https = await startHttpsHosts(tw);
 *   https.caFile                            // NODE_EXTRA_CA_CERTS / --ca-file
 *   https.markRootFile                      // --vmc-roots
 *   https.requests('mta-sts.sts-good.test') // requests so far
 *   await https.stop();
 */
import { join } from 'node:path';
import { createTestCa, type IssueOptions } from '../ca.ts';
import { type DidFixture, didFixture } from './did.ts';
import { DID_HOSTS, HTTPS_HOSTS, type Reply } from './hosts.ts';
import { createMarkCertificate } from './mark.ts';
import { type RunningHttpsServer, startHttpsServer } from './server.ts';

export { HTTPS_HOSTS } from './hosts.ts';

export interface HttpsHosts {
  /** address by host key (the host's first name) */
  readonly addresses: Readonly<Record<string, string>>;
  /** the testworld root (PEM file) */
  readonly caFile: string;
  /** the testworld mark root for BIMI mark certificates (PEM file): --vmc-roots */
  readonly markRootFile: string;
  /** requests received by the host (its first name) */
  requests(host: string): number;
  /** every host's count */
  counts(): Record<string, number>;
  stop(): Promise<void>;
}

/** The part of a Testworld this needs. */
export interface TestworldLike {
  readonly dir: string;
  ip(suffix: string): string;
}

export interface HttpsHostsOptions {
  /** port (default 443) */
  readonly port?: number;
  /** the clock for Expires fields (default now) */
  readonly now?: () => Date;
  /**
   * Files published for a test (`mailsec generate` output): served at their URL by the host that
   * holds the URL's name, before its own routes.
   */
  readonly files?: readonly { readonly url: string; readonly contentType: string; readonly body: string }[];
}

export async function startHttpsHosts(tw: TestworldLike, o: HttpsHostsOptions = {}): Promise<HttpsHosts> {
  const dir = join(tw.dir, 'https-ca');
  const ca = await createTestCa(dir);
  const mark = await createMarkCertificate(join(tw.dir, 'mark-ca'), 'bimi-good.test');
  const now = o.now?.() ?? new Date();
  const did: Record<string, DidFixture> = {};
  await Promise.all(
    Object.entries(DID_HOSTS).map(async ([host, d]) => {
      did[host] = await didFixture(host, now, { wrongKey: d.forged === true });
    }),
  );
  const started: RunningHttpsServer[] = [];
  const byKey = new Map<string, RunningHttpsServer>();
  const addresses: Record<string, string> = {};
  try {
    const leafs = await Promise.all(
      HTTPS_HOSTS.map((h) => {
        const opts: IssueOptions = { sans: h.cert?.sans ?? h.names, ...h.cert };
        return ca.issue(h.cert?.cn ?? h.names[0]!, opts);
      }),
    );
    await Promise.all(
      HTTPS_HOSTS.map(async (h, i) => {
        const address = tw.ip(h.suffix);
        const key = h.names[0]!;
        addresses[key] = address;
        const leaf = leafs[i]!;
        const server = await startHttpsServer({
          address,
          port: o.port ?? 443,
          keyPem: leaf.keyPem,
          chainPem: leaf.chainPem,
          route: (path, host): Reply | undefined => {
            const f = o.files?.find((x) => {
              const u = new URL(x.url);
              return u.hostname === host && u.pathname === path;
            });
            if (f) return { status: 200, type: f.contentType, body: f.body };
            return h.route(path, { host, now, markPem: mark.chainPem, did });
          },
        });
        started.push(server);
        byKey.set(key, server);
      }),
    );
  } catch (e) {
    await Promise.all(started.map((s) => s.close()));
    throw e;
  }
  const requests = (host: string) => byKey.get(host)?.requests ?? 0;
  return {
    addresses,
    caFile: ca.rootFile,
    markRootFile: mark.rootFile,
    requests,
    counts: () => Object.fromEntries([...byKey.keys()].map((k) => [k, requests(k)])),
    async stop() {
      await Promise.all(started.map((s) => s.close()));
    },
  };
}
