/**
 * SPF static-analysis scenarios (RFC 7208 §4.6.4 limits, §4.5 record selection, loops, redirect,
 * macros). One unsigned zone, spf-lab.test; every case is a name in it. Hosts that SPF terms
 * resolve use {net}.7.* (this file owns {net}.7.0/24; nothing listens there, nothing connects:
 * they are only SPF `a`/`mx` targets). `spfExpected` is the table test/spf.e2e.test.ts and
 * src/checks/spf/check.test.ts assert.
 */
import type { RecordSpec, Scenario } from '../scenario.ts';

const txt = (owner: string, text: string): RecordSpec => [owner, 'TXT', `"${text}"`];
const Z = 'spf-lab.test';

const manyMx: RecordSpec[] = Array.from(
  { length: 11 },
  (_, i) => ['manymx', 'MX', `${i + 1} mx${i + 1}`] as const,
);
const manyMxHosts: RecordSpec[] = Array.from(
  { length: 11 },
  (_, i) => [`mx${i + 1}`, 'A', `{net}.7.${i + 10}`] as const,
);

export const spf: Scenario = {
  name: 'spf',
  description:
    'SPF lookup counts (10/11), void lookups (2/3), two records, include loop, redirect chain, mx over 10 hosts, macros',
  domains: [
    {
      name: Z,
      signed: false,
      description: 'every SPF case is a name in this zone; see spfExpected in testworld/scenarios/spf.ts',
      records: [
        ['mail', 'A', '{net}.7.1'],
        ['mail', 'AAAA', '::1'],
        // 7 lookups, reached through an include
        txt('seven', `v=spf1 ${Array(7).fill(`a:mail.${Z}`).join(' ')} ~all`),
        // 10: a + mx + include + 7 → at the limit (pass)
        txt('ten', `v=spf1 a mx include:seven.${Z} -all`),
        ['ten', 'A', '{net}.7.2'],
        ['ten', 'MX', `10 mail.${Z}.`],
        // 11: one more a → over the limit (fail)
        txt('eleven', `v=spf1 a mx include:seven.${Z} a:mail.${Z} -all`),
        ['eleven', 'A', '{net}.7.3'],
        ['eleven', 'MX', `10 mail.${Z}.`],
        // void lookups: names that do not exist
        txt('void2', `v=spf1 a:nx1.${Z} a:nx2.${Z} ip4:192.0.2.0/24 -all`),
        txt('void3', `v=spf1 a:nx1.${Z} mx:nx2.${Z} a:nx3.${Z} ip4:192.0.2.0/24 -all`),
        // two SPF records (§4.5: permerror)
        txt('tworecords', 'v=spf1 ip4:192.0.2.1 -all'),
        txt('tworecords', 'v=spf1 ip4:192.0.2.2 ~all'),
        // include loop: loop-a → loop-b → loop-a
        txt('loop-a', `v=spf1 ip4:192.0.2.3 include:loop-b.${Z} -all`),
        txt('loop-b', `v=spf1 include:loop-a.${Z} ~all`),
        // redirect chain: redirect (1) → a (1) + redirect (1) → mx (1) -all: 4
        txt('chain', `v=spf1 redirect=chain2.${Z}`),
        txt('chain2', `v=spf1 a redirect=chain3.${Z}`),
        ['chain2', 'A', '{net}.7.4'],
        txt('chain3', 'v=spf1 mx -all'),
        ['chain3', 'MX', `10 mail.${Z}.`],
        // mx with 11 hosts (§4.6.4: more than 10 → permerror)
        txt('manymx', 'v=spf1 mx -all'),
        ...manyMx,
        ...manyMxHosts,
        // macros in include targets: %{d} expands statically, %{i} cannot
        txt('macro', 'v=spf1 include:_s.%{d} include:%{ir}._ip.%{d} -all'),
        txt('_s.macro', 'v=spf1 ip4:198.51.100.0/24 -all'),
        // +all
        txt('plusall', 'v=spf1 a +all'),
        ['plusall', 'A', '{net}.7.5'],
      ],
    },
  ],
};

export interface SpfExpectation {
  readonly domain: string;
  readonly status: 'pass' | 'warn' | 'fail' | 'absent' | 'error';
  readonly lookups: number;
  readonly voidLookups: number;
  /** finding ids that must be present */
  readonly findings: readonly string[];
  readonly all?: string | null;
}

export const spfExpected: readonly SpfExpectation[] = [
  { domain: `ten.${Z}`, status: 'pass', lookups: 10, voidLookups: 0, findings: [], all: '-all' },
  { domain: `eleven.${Z}`, status: 'fail', lookups: 11, voidLookups: 0, findings: ['spf.too-many-lookups'] },
  {
    domain: `void2.${Z}`,
    status: 'pass',
    lookups: 2,
    voidLookups: 2,
    // checkdmarc notes void lookups within the limit too
    findings: ['spf.void-lookups-within-limit'],
  },
  { domain: `void3.${Z}`, status: 'fail', lookups: 3, voidLookups: 3, findings: ['spf.void-lookups'] },
  {
    domain: `tworecords.${Z}`,
    status: 'fail',
    lookups: 0,
    voidLookups: 0,
    findings: ['spf.multiple-records'],
  },
  { domain: `loop-a.${Z}`, status: 'fail', lookups: 2, voidLookups: 0, findings: ['spf.include-loop'] },
  { domain: `chain.${Z}`, status: 'pass', lookups: 4, voidLookups: 0, findings: [], all: '-all' },
  { domain: `manymx.${Z}`, status: 'fail', lookups: 1, voidLookups: 0, findings: ['spf.mx-too-many-hosts'] },
  { domain: `macro.${Z}`, status: 'pass', lookups: 2, voidLookups: 0, findings: ['spf.unresolved-macro'] },
  {
    domain: `plusall.${Z}`,
    status: 'fail',
    lookups: 1,
    voidLookups: 0,
    findings: ['spf.plus-all'],
    all: '+all',
  },
  { domain: `nospf.${Z}`, status: 'absent', lookups: 0, voidLookups: 0, findings: ['spf.no-record'] },
];
