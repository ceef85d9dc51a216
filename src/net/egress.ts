import { BlockList, isIP } from 'node:net';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import { parseCidr } from './address-policy.ts';

/**
 * Egress guard for hermetic runs: when MAILSEC_EGRESS_ALLOW is set (the test harness sets it to
 * 127.0.0.0/8,::1/128), every socket mailsec opens — DNS, SMTP, HTTPS — must go to an address in
 * those ranges, or the run fails loudly. Unset (normal use), it allows everything.
 * The one read of the process environment below src/cli/ (docs/architecture.md): a process-wide
 * safety guard, not configuration, so that library code and tests that never pass through the
 * CLI are guarded too.
 */
interface Guard {
  readonly raw: string | undefined;
  readonly list: BlockList | null;
  /** the verdict per address already checked against `list` (a scan asks one resolver per query) */
  readonly verdicts: Map<string, boolean>;
}
let cached: Guard | undefined;

function guard(): Guard {
  const raw = process.env.MAILSEC_EGRESS_ALLOW;
  if (cached && cached.raw === raw) return cached;
  let list: BlockList | null = null;
  if (raw !== undefined && raw.trim() !== '') {
    list = new BlockList();
    for (const part of raw.split(',')) {
      const c = parseCidr(part);
      list.addSubnet(c.address, c.prefix, c.family);
    }
  }
  cached = { raw, list, verdicts: new Map() };
  return cached;
}

export function assertEgressAllowed(address: string, purpose: string): void {
  const g = guard();
  if (!g.list) return;
  let allowed = g.verdicts.get(address);
  if (allowed === undefined) {
    const fam = isIP(address);
    allowed = fam !== 0 && g.list.check(address, fam === 4 ? 'ipv4' : 'ipv6');
    if (g.verdicts.size >= 4096) g.verdicts.clear(); // bounded: SMTP and HTTPS ask many addresses
    g.verdicts.set(address, allowed);
  }
  if (allowed) return;
  throw new MailsecError(
    ErrorCode.EgressDenied,
    `refusing to send ${purpose} to ${address}: outside MAILSEC_EGRESS_ALLOW (${process.env.MAILSEC_EGRESS_ALLOW})`,
    'point mailsec at the testworld’s resolver (`mailsec testworld up` prints it)',
  );
}
