/**
 * End to end over real DNS: the records scenario served by the testworld (NSD + validating
 * Unbound), a real resolver client, and each DNS-published check's `run`, table-driven.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bimiCheck } from '../src/checks/bimi/index.ts';
import { dkimCheck } from '../src/checks/dkim/index.ts';
import { dmarcCheck } from '../src/checks/dmarc/index.ts';
import {
  autodiscoverCheck,
  lyncdiscoverCheck,
  sipFederationCheck,
} from '../src/checks/microsoft-dns/index.ts';
import { mtaStsCheck } from '../src/checks/mta-sts/index.ts';
import { assertStatusAllowed } from '../src/checks/shared/test-context.ts';
import { tlsRptCheck } from '../src/checks/tls-rpt/index.ts';
import type { CheckDefinition, GatherContext } from '../src/checks/types.ts';
import type { CheckResult } from '../src/core/result.ts';
import { createResolver, type ManagedResolver } from '../src/dns/index.ts';
import { createAddressPolicy } from '../src/net/address-policy.ts';
import { startTestworld, type Testworld } from '../testworld/index.ts';
import { records } from '../testworld/scenarios/records.ts';

let tw: Testworld;
let resolver: ManagedResolver;

before(async () => {
  tw = await startTestworld({ scenarios: [records] });
  resolver = createResolver(tw.resolver);
});
after(async () => {
  await resolver?.close();
  await tw?.stop();
});

const ctx = (selectors: string[] = []): GatherContext => ({
  resolver,
  addressPolicy: createAddressPolicy(['127.0.0.0/8', '::1/128']),
  options: {
    selectors,
    selectorList: 'full',
    obsoleteSpfType: true,
    noSmtp: true,
    noHttp: true,
    ehlo: 'mailsec.test',
    smtpTimeoutMs: 2000,
    httpTimeoutMs: 2000,
  },
  now: () => new Date(),
  signal: AbortSignal.timeout(60_000),
  resolverValidates: true,
  resolverName: tw.resolver,
});

type Evidence = Record<string, unknown>;
type Row = [
  title: string,
  // biome-ignore lint/suspicious/noExplicitAny: definitions differ in evidence type
  def: CheckDefinition<any>,
  domain: string,
  status: string,
  expect: (e: Evidence, ids: string[]) => void,
  selectors?: string[],
];

const sel = (e: Evidence) =>
  e.selectors as { selector: string; keyType: string; keyBits: number; cname: string | null }[];
const has = (ids: string[], id: string) => assert.ok(ids.includes(id), `${id} in ${ids.join(', ')}`);

const rows: Row[] = [
  // DKIM
  [
    'dkim: full.test RSA 2048 + Ed25519',
    dkimCheck,
    'full.test',
    'pass',
    (e) => {
      assert.deepEqual(
        sel(e).map((s) => [s.selector, s.keyType, s.keyBits]),
        [
          ['selector1', 'rsa', 2048],
          ['selector2', 'ed25519', 256],
        ],
      );
      assert.equal(e.domainkeyNode, true);
    },
  ],
  [
    'dkim: revoked key (empty p=) is info',
    dkimCheck,
    'dkim-revoked.test',
    'pass',
    (e, ids) => {
      assert.equal((e.selectors as { revoked: boolean }[])[0]?.revoked, true);
      has(ids, 'dkim.revoked');
    },
  ],
  [
    'dkim: t=y testing warns',
    dkimCheck,
    'dkim-testing.test',
    'warn',
    (e, ids) => {
      assert.equal((e.selectors as { testing: boolean }[])[0]?.testing, true);
      has(ids, 'dkim.testing');
    },
  ],
  [
    'dkim: 1024-bit key warns (RFC 8301)',
    dkimCheck,
    'dkim-1024.test',
    'warn',
    (e, ids) => {
      assert.equal(sel(e)[0]?.keyBits, 1024);
      has(ids, 'dkim.rsa-key-short');
    },
  ],
  [
    'dkim: 512-bit key fails (RFC 8301)',
    dkimCheck,
    'dkim-512.test',
    'fail',
    (_e, ids) => has(ids, 'dkim.rsa-key-too-short'),
  ],
  [
    'dkim: ed25519 key (RFC 8463)',
    dkimCheck,
    'dkim-ed25519.test',
    'pass',
    (e) => {
      assert.deepEqual(
        sel(e).map((s) => [s.selector, s.keyType, s.keyBits]),
        [['fm1', 'ed25519', 256]],
      );
    },
  ],
  [
    'dkim: CNAME to a provider key is followed',
    dkimCheck,
    'dkim-cname.test',
    'pass',
    (e) => {
      assert.equal(sel(e)[0]?.selector, 'k1');
      assert.equal(sel(e)[0]?.cname, 'dkim.esp-provider.test');
    },
  ],
  [
    'dkim: custom selector not tried: absent, _domainkey exists',
    dkimCheck,
    'dkim-custom.test',
    'absent',
    (e, ids) => {
      assert.equal(e.domainkeyNode, true);
      has(ids, 'dkim.none-found');
    },
  ],
  [
    'dkim: custom selector found through --selectors',
    dkimCheck,
    'dkim-custom.test',
    'pass',
    (e) => {
      assert.equal(sel(e)[0]?.selector, 'mailsec2026');
    },
    ['mailsec2026'],
  ],
  [
    'dkim: no _domainkey (RFC 8020): absent, nothing tried',
    dkimCheck,
    'dkim-none.test',
    'absent',
    (e) => {
      assert.equal(e.domainkeyNode, false);
      assert.deepEqual(e.tried, []);
    },
  ],
  // DMARC
  [
    'dmarc: full.test p=reject',
    dmarcCheck,
    'full.test',
    'pass',
    (e) => {
      assert.equal(e.policy, 'reject');
      assert.equal(e.effectivePolicy, 'reject');
      assert.deepEqual(e.rua, [
        {
          uri: 'mailto:dmarc-reports@full.test',
          host: 'full.test',
          external: false,
          authorised: true,
          acceptsMail: true,
        },
      ]);
    },
  ],
  [
    'dmarc: only at the organisational domain (subdomain checked)',
    dmarcCheck,
    'shop.dmarc-org.test',
    'pass',
    (e) => {
      assert.equal(e.policyDomain, 'dmarc-org.test');
      assert.equal(e.orgDomain, 'dmarc-org.test');
      assert.equal(e.subdomainPolicy, 'quarantine');
      assert.equal(e.effectivePolicy, 'quarantine');
      assert.equal(e.discovery, 'treewalk');
    },
  ],
  [
    'dmarc: tree walk and PSL disagree on github.io',
    dmarcCheck,
    'alice.github.io',
    'pass',
    (e, ids) => {
      assert.equal(e.orgDomain, 'github.io');
      assert.equal(e.pslOrgDomain, 'alice.github.io');
      assert.equal(e.pslPolicyDomain, null);
      assert.equal(e.effectivePolicy, 'reject');
      has(ids, 'dmarc.discovery-disagreement');
    },
  ],
  [
    'dmarc: psd=y on netlify.app: tree walk and PSL agree',
    dmarcCheck,
    'carol.netlify.app',
    'pass',
    (e, ids) => {
      assert.equal(e.orgDomain, 'carol.netlify.app');
      assert.equal(e.pslOrgDomain, 'carol.netlify.app');
      assert.ok(!ids.includes('dmarc.discovery-disagreement'));
    },
  ],
  [
    'dmarc: p=none warns',
    dmarcCheck,
    'dmarc-none.test',
    'warn',
    (e, ids) => {
      assert.equal(e.policy, 'none');
      has(ids, 'dmarc.policy-none');
    },
  ],
  [
    'dmarc: external rua not authorised',
    dmarcCheck,
    'dmarc-ext-unauth.test',
    'warn',
    (e, ids) => {
      assert.deepEqual(e.rua, [
        {
          uri: 'mailto:agg@reports-receiver.test',
          host: 'reports-receiver.test',
          external: true,
          authorised: false,
          acceptsMail: true,
        },
      ]);
      has(ids, 'dmarc.rua-not-authorised');
    },
  ],
  [
    'dmarc: external rua authorised by name',
    dmarcCheck,
    'dmarc-ext-auth.test',
    'pass',
    (e) => {
      assert.equal((e.rua as { authorised: boolean }[])[0]?.authorised, true);
    },
  ],
  [
    'dmarc: external rua authorised by wildcard',
    dmarcCheck,
    'dmarc-ext-wild.test',
    'pass',
    (e) => {
      assert.equal((e.rua as { external: boolean; authorised: boolean }[])[0]?.authorised, true);
    },
  ],
  [
    'dmarc: two records fail',
    dmarcCheck,
    'dmarc-two.test',
    'fail',
    (e, ids) => {
      assert.equal(e.record, null);
      assert.equal((e.records as string[]).length, 2);
      has(ids, 'dmarc.multiple-records');
    },
  ],
  [
    'dmarc: removed tags pct, rf, ri reported',
    dmarcCheck,
    'dmarc-removed.test',
    'warn',
    (_e, ids) => {
      assert.equal(ids.filter((i) => i === 'dmarc.removed-tag').length, 3);
    },
  ],
  // BIMI (needs dmarc first: run below)
  [
    'bimi: full.test record with DMARC reject',
    bimiCheck,
    'full.test',
    'pass',
    (e) => {
      assert.equal(e.location, 'https://full.test/bimi/logo.svg');
      assert.equal(e.dmarcEnforced, true);
      assert.deepEqual(e.svg, { valid: null, problems: [] });
    },
  ],
  [
    'bimi: DMARC not at enforcement fails',
    bimiCheck,
    'bimi-nodmarc.test',
    'fail',
    (_e, ids) => has(ids, 'bimi.dmarc-not-enforcing'),
  ],
  ['bimi: none published: absent', bimiCheck, 'dkim-none.test', 'absent', () => {}],
  // MTA-STS, TLS-RPT
  [
    'mtaSts: full.test TXT',
    mtaStsCheck,
    'full.test',
    'pass',
    (e) => {
      assert.equal(e.id, '20260101T000000');
      assert.equal(e.policyFetched, false);
    },
  ],
  [
    'mtaSts: two records fail',
    mtaStsCheck,
    'mtasts-two.test',
    'fail',
    (_e, ids) => has(ids, 'mtaSts.multiple-records'),
  ],
  ['mtaSts: none: absent', mtaStsCheck, 'dkim-none.test', 'absent', () => {}],
  [
    'tlsRpt: full.test',
    tlsRptCheck,
    'full.test',
    'pass',
    (e) => assert.deepEqual(e.rua, ['mailto:tls-reports@full.test']),
  ],
  [
    'tlsRpt: wrong scheme fails',
    tlsRptCheck,
    'tlsrpt-scheme.test',
    'fail',
    (_e, ids) => has(ids, 'tlsRpt.rua-scheme'),
  ],
  ['tlsRpt: none: absent', tlsRptCheck, 'dkim-none.test', 'absent', () => {}],
  // Microsoft endpoints
  [
    'autodiscover: full.test CNAME',
    autodiscoverCheck,
    'full.test',
    'pass',
    (e) => assert.equal(e.target, 'mail.full.test'),
  ],
  [
    'autodiscover: m365.test CNAME to Exchange Online',
    autodiscoverCheck,
    'm365.test',
    'pass',
    (e) => assert.equal(e.target, 'autodiscover.outlook.com'),
  ],
  ['autodiscover: none: absent', autodiscoverCheck, 'dkim-none.test', 'absent', () => {}],
  [
    'lyncdiscover: m365.test',
    lyncdiscoverCheck,
    'm365.test',
    'pass',
    (e) => assert.equal(e.target, 'webdir.online.lync.com'),
  ],
  ['lyncdiscover: none: absent', lyncdiscoverCheck, 'full.test', 'absent', () => {}],
  [
    'sipFederation: m365.test SRV',
    sipFederationCheck,
    'm365.test',
    'pass',
    (e) => {
      assert.equal(e.target, 'sipfed.online.lync.com');
      assert.equal(e.port, 5061);
    },
  ],
  ['sipFederation: none: absent', sipFederationCheck, 'full.test', 'absent', () => {}],
  // SERVFAIL (REFUSED delegation) is error with an undetermined finding, never absent
  ...[
    dkimCheck,
    dmarcCheck,
    bimiCheck,
    mtaStsCheck,
    tlsRptCheck,
    autodiscoverCheck,
    lyncdiscoverCheck,
    sipFederationCheck,
  ].map(
    (def): Row => [
      `${def.id}: SERVFAIL is error, not absent`,
      def,
      'records-refused.test',
      'error',
      (_e, ids) => has(ids, `${def.id}.undetermined`),
    ],
  ),
];

for (const [title, def, domain, status, expect, selectors] of rows) {
  test(title, async () => {
    const c = ctx(selectors);
    const prior: Record<string, CheckResult<object>> = {};
    for (const id of def.requires ?? [])
      if (id === 'dmarc') prior.dmarc = await dmarcCheck.run(domain, c, {});
    const r = await def.run(domain, c, prior);
    assertStatusAllowed(r);
    const ids = r.findings.map((f) => f.id);
    assert.equal(r.status, status, `${r.status}: ${ids.join(', ')}`);
    expect(r.evidence as Evidence, ids);
  });
}
