/**
 * The exclusion list of a scan (`--exclude FILE`): domains (each with everything below it),
 * addresses and CIDRs, one a line, `#` comments. Every stage honours it: the input drops excluded
 * domains, the resolver asks nothing under an excluded domain, and the address policy lets no
 * SMTP or HTTPS connection reach an excluded address.
 */
import { BlockList, isIP } from 'node:net';
import { ErrorCode, MailsecError } from '../core/errors.ts';
import { normaliseDomain } from '../core/names.ts';
import type { AddressPolicy } from './address-policy.ts';
import { parseCidr } from './address-policy.ts';

export interface Exclusions {
  readonly domains: number;
  readonly networks: number;
  /** the name or one of its ancestors is listed */
  excludesName(name: string): boolean;
  excludesAddress(address: string): boolean;
}

export const NO_EXCLUSIONS: Exclusions = {
  domains: 0,
  networks: 0,
  excludesName: () => false,
  excludesAddress: () => false,
};

/** Parses an exclusion list; a line that is neither a domain nor an address range is an error naming it. */
export function parseExclusions(text: string, source: string): Exclusions {
  const names = new Set<string>();
  const blocks = new BlockList();
  let networks = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/#.*$/, '').trim();
    if (line === '') continue;
    if (
      /^[0-9a-fA-F:.[\]/]+$/.test(line) &&
      (isIP(line.replace(/\/\d+$/, '').replace(/^\[|\]$/g, '')) || line.includes(':'))
    ) {
      let r: ReturnType<typeof parseCidr>;
      try {
        r = parseCidr(line);
      } catch (e) {
        throw new MailsecError(
          ErrorCode.InputUnreadable,
          `${source}:${i + 1}: "${line}" is not an address range (${(e as Error).message})`,
          'one domain, address or CIDR a line, # comments',
          { cause: e },
        );
      }
      blocks.addSubnet(r.address, r.prefix, r.family);
      networks++;
      continue;
    }
    const n = normaliseDomain(line.replace(/^\*\./, ''));
    if (!n.ok) {
      throw new MailsecError(
        ErrorCode.InputUnreadable,
        `${source}:${i + 1}: "${line.slice(0, 80)}" is neither a domain nor an address range`,
        'one domain, address or CIDR a line, # comments',
      );
    }
    names.add(n.name);
  }
  return {
    domains: names.size,
    networks,
    excludesName(name) {
      if (!names.size) return false;
      let n = name.toLowerCase().replace(/\.$/, '');
      for (;;) {
        if (names.has(n)) return true;
        const dot = n.indexOf('.');
        if (dot < 0) return false;
        n = n.slice(dot + 1);
      }
    },
    excludesAddress(address) {
      if (!networks) return false;
      const fam = isIP(address);
      return fam !== 0 && blocks.check(address, fam === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** The address policy with the exclusions on top: an excluded address is never connected to. */
export function excludingAddresses(policy: AddressPolicy, ex: Exclusions): AddressPolicy {
  if (!ex.networks) return policy;
  return {
    allowPrivate: policy.allowPrivate,
    verdict(address) {
      if (ex.excludesAddress(address)) {
        return {
          allowed: false,
          reason: `${address} is on the exclusion list; mailsec does not connect there`,
        };
      }
      return policy.verdict(address);
    },
    isSpecial: (address) => policy.isSpecial(address),
  };
}
