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
let cached: { raw: string | undefined; list: BlockList | null } | undefined;

function guardList(): BlockList | null {
  const raw = process.env.MAILSEC_EGRESS_ALLOW;
  if (cached && cached.raw === raw) return cached.list;
  let list: BlockList | null = null;
  if (raw !== undefined && raw.trim() !== '') {
    list = new BlockList();
    for (const part of raw.split(',')) {
      const c = parseCidr(part);
      list.addSubnet(c.address, c.prefix, c.family);
    }
  }
  cached = { raw, list };
  return list;
}

export function assertEgressAllowed(address: string, purpose: string): void {
  const list = guardList();
  if (!list) return;
  const fam = isIP(address);
  if (fam !== 0 && list.check(address, fam === 4 ? 'ipv4' : 'ipv6')) return;
  throw new MailsecError(
    ErrorCode.EgressDenied,
    `refusing to send ${purpose} to ${address}: outside MAILSEC_EGRESS_ALLOW (${process.env.MAILSEC_EGRESS_ALLOW})`,
    'point mailsec at the testworld’s resolver (`mailsec testworld up` prints it)',
  );
}
