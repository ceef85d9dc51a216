import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditDomain } from '../audit/audit.ts';
import { toDocument } from '../audit/document.ts';
import { createAuditEnvironment, type OpenAuditEnvironment } from '../audit/environment.ts';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import { renderHuman } from '../render/human.ts';
import { renderJsonDocument } from '../render/json.ts';
import { createStyle, wantsColor } from '../render/style.ts';
import type { CommandDef } from './command.ts';
import { bool, list } from './command.ts';
import { EXIT } from './exit.ts';

export const DEMO_DOMAINS = ['full.test', 'dane-ee-bad.test', 'bogus.test'];
const LOOPBACK = ['127.0.0.0/8', '::1/128'];

/** On PATH, or in the sbin directories Debian installs daemons to (often not on a user's PATH). */
function which(cmd: string): boolean {
  if (['/usr/local/sbin', '/usr/sbin', '/sbin'].some((d) => existsSync(`${d}/${cmd}`))) return true;
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** The testworld needs NSD, Unbound and ldns; install them (as root) when missing. */
function ensureDebianPackages(io: Parameters<CommandDef['run']>[1]): void {
  if (['nsd', 'unbound', 'ldns-signzone'].every(which)) return;
  const script = new URL('../../scripts/install-debian-deps.sh', import.meta.url).pathname;
  const alt = new URL('../../../scripts/install-debian-deps.sh', import.meta.url).pathname;
  const path = existsSync(script) ? script : alt;
  io.stderr.write('mailsec demo: installing the testworld’s Debian packages (nsd, unbound, ldnsutils) …\n');
  const r = spawnSync('bash', [path], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    throw new MailsecError(
      ErrorCode.TestworldFailed,
      'the testworld needs the Debian packages nsd, unbound and ldnsutils',
      'run as root, or: apt-get install nsd unbound ldnsutils',
    );
  }
}

export const demoCommand: CommandDef = {
  name: 'demo',
  summary: 'Start the bundled testworld, check a few of its domains, print the results, stop it.',
  usage: 'mailsec demo [--json] [--domains d1,d2]',
  description: 'Needs no network: the testworld runs on 127.x.y.z addresses of this machine (as root).',
  options: {
    domains: {
      type: 'string',
      multiple: true,
      value: 'list',
      description: `testworld domains to check [default: ${DEMO_DOMAINS.join(',')}]`,
    },
    json: { type: 'boolean', description: 'JSON Lines instead of human output' },
    verbose: { type: 'boolean', short: 'v', description: 'also show notes (info findings)' },
  },
  examples: ['mailsec demo', 'mailsec demo --domains secure.test,nullmx.test --json'],
  async run(args, io) {
    ensureDebianPackages(io);
    const { startTestworld } = await import(new URL(testworldModule('dns/world'), import.meta.url).href);
    const { startSmtpHosts } = await import(new URL(testworldModule('smtp/index'), import.meta.url).href);
    const { startHttpsHosts } = await import(new URL(testworldModule('https/index'), import.meta.url).href);
    const domains = list(args, 'domains');
    const chosen = domains.length ? domains : DEMO_DOMAINS;
    io.stderr.write(
      'mailsec demo: starting the testworld (own DNSSEC root, NSD, validating Unbound, SMTP and HTTPS hosts) …\n',
    );
    const t0 = performance.now();
    const tw = await startTestworld();
    let smtp: { caFile: string; stop(): Promise<void> } | undefined;
    let https: { caFile: string; stop(): Promise<void> } | undefined;
    let env: OpenAuditEnvironment | undefined;
    try {
      [smtp, https] = await Promise.all([
        startSmtpHosts(tw, { postfix: false, ipv6: false }),
        startHttpsHosts(tw),
      ]);
      // the SMTP and HTTPS hosts each have a testworld CA: trust both roots
      const caFile = join(tw.dir, 'demo-roots.pem');
      writeFileSync(caFile, readFileSync(smtp!.caFile, 'utf8') + readFileSync(https!.caFile, 'utf8'));
      io.stderr.write(
        `mailsec demo: testworld up at ${tw.net}.0.0/16 in ${((performance.now() - t0) / 1000).toFixed(1)} s; resolver ${tw.resolver}\n\n`,
      );
      env = await createAuditEnvironment({
        resolver: tw.resolver,
        allowPrivate: LOOPBACK,
        caFile,
        smtpTimeoutMs: 5000,
        httpTimeoutMs: 5000,
      });
      const style = createStyle(wantsColor(io.stdout, io.env));
      for (const domain of chosen) {
        const audit = await auditDomain(domain, env);
        const report = toDocument(audit, { address: tw.resolver, validates: env.probe.validates });
        io.stdout.write(
          bool(args, 'json')
            ? renderJsonDocument(report, false)
            : `${renderHuman(report, style, { verbose: bool(args, 'verbose') })}\n`,
        );
      }
      if (!bool(args, 'json')) {
        io.stderr.write(
          'Keep a testworld running with `mailsec testworld up`; check any of its domains yourself.\n',
        );
      }
      return EXIT.ok;
    } finally {
      await env?.close();
      await smtp?.stop();
      await https?.stop();
      await tw.stop();
    }
  },
};

/** testworld/<name>.ts beside src/ in a checkout, .js beside dist/src in a build */
function testworldModule(name: string): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return `../../testworld/${name}${ext}`;
}
