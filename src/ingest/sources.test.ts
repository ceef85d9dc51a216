import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { staticResolver } from '../dns/static.ts';
import { openReportStore } from '../store/report-store.ts';
import type { AggregateRecord, AggregateReport } from './normalise.ts';
import type { SourceIdentity } from './sources.ts';
import { BUILTIN_CATALOGUE, classifySource, parseCatalogue, reportSources, senderByPtr } from './sources.ts';

const stats = (o: Partial<Parameters<typeof classifySource>[0]> = {}) => ({
  ip: '192.0.2.1',
  messages: 100,
  dmarcPass: 100,
  spfAligned: 100,
  dkimAligned: 100,
  spfAuthPass: 100,
  dkimAuthPass: 100,
  forwardedReason: 0,
  firstSeen: '2026-11-01T00:00:00Z',
  lastSeen: '2026-11-02T00:00:00Z',
  envelopeDomains: [],
  dkimDomains: [],
  ...o,
});
const anon: SourceIdentity = { ptr: null, ptrConfirmed: null, sender: undefined, via: null, note: null };
const google = BUILTIN_CATALOGUE.find((s) => s.organisation === 'Google');
const forwardEmail = BUILTIN_CATALOGUE.find((s) => s.kind === 'forwarder');

const cases: [string, ReturnType<typeof stats>, SourceIdentity, string, RegExp][] = [
  ['aligned SPF and DKIM pass', stats(), anon, 'authorised', /DMARC pass for 100 % of 100 messages/],
  [
    'SPF fails, aligned DKIM passes: a forwarder',
    stats({ spfAligned: 0, spfAuthPass: 0 }),
    anon,
    'forwarder',
    /SPF fails .* aligned DKIM passes/,
  ],
  [
    'the same from a catalogued provider stays authorised, with a hint about SPF',
    stats({ spfAligned: 0, spfAuthPass: 0 }),
    { ...anon, sender: google, via: 'ptr', ptr: 'mail-a.google.com', ptrConfirmed: true },
    'authorised',
    /is Google in your SPF record\?/,
  ],
  [
    'a known forwarder whatever its results',
    stats({ dmarcPass: 0, spfAligned: 0, dkimAligned: 0 }),
    { ...anon, sender: forwardEmail, via: 'ptr' },
    'forwarder',
    /a known forwarder/,
  ],
  [
    'override reason forwarded / ARC',
    stats({ dmarcPass: 0, spfAligned: 0, dkimAligned: 0, forwardedReason: 80 }),
    anon,
    'forwarder',
    /override reason/,
  ],
  [
    'DMARC fails throughout: unauthorised',
    stats({ dmarcPass: 0, spfAligned: 0, dkimAligned: 0, spfAuthPass: 0, dkimAuthPass: 0 }),
    anon,
    'unauthorised',
    /DMARC fails for 100 % of 100 messages: neither SPF nor DKIM aligned/,
  ],
  [
    'DMARC fails, DKIM passes for another domain',
    stats({ dmarcPass: 2, spfAligned: 0, dkimAligned: 2, dkimAuthPass: 90, dkimDomains: ['esp.example'] }),
    anon,
    'unauthorised',
    /DKIM passes for esp\.example, not for your domain/,
  ],
  [
    'mixed results',
    stats({ dmarcPass: 50, dkimAligned: 50, spfAligned: 50 }),
    anon,
    'unknown',
    /mixed: DMARC pass for 50 %/,
  ],
  ['no messages', stats({ messages: 0 }), anon, 'unknown', /no messages/],
];
for (const [title, s, id, cls, reason] of cases) {
  test(`classify: ${title}`, () => {
    const c = classifySource(s, id);
    assert.equal(c.class, cls);
    assert.match(c.reason, reason);
  });
}

test('catalogue: PTR suffix match (longest wins), user entries, bad entries named', () => {
  assert.equal(senderByPtr('mail-wr1-f41.google.com.', BUILTIN_CATALOGUE)?.organisation, 'Google');
  assert.equal(senderByPtr('notgoogle.com', BUILTIN_CATALOGUE), undefined);
  assert.equal(
    senderByPtr('a.b.outbound.protection.outlook.com', BUILTIN_CATALOGUE)?.organisation,
    'Microsoft 365',
  );
  const mine = parseCatalogue({ senders: [{ organisation: 'Our CRM', kind: 'esp', ptr: ['.crm.example'] }] });
  assert.equal(senderByPtr('out1.crm.example', mine)?.organisation, 'Our CRM');
  assert.throws(
    () => parseCatalogue({ senders: [{ organisation: 'x', kind: 'spammer' }] }),
    /senders\[0\]\.kind/,
  );
  assert.throws(() => parseCatalogue({}), /expected \{"senders"/);
});

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailsec-sources-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const rec = (ip: string, count: number, o: Partial<AggregateRecord> = {}): AggregateRecord => ({
  sourceIp: ip,
  count,
  disposition: 'none',
  dkim: 'pass',
  spf: 'pass',
  reasons: [],
  headerFrom: 'example.com',
  envelopeFrom: 'example.com',
  envelopeTo: null,
  authResults: {
    dkim: [{ domain: 'example.com', selector: 's', result: 'pass', humanResult: null }],
    spf: [{ domain: 'example.com', scope: 'mfrom', result: 'pass', humanResult: null }],
  },
  ...o,
});
const report = (id: string, begin: string, records: AggregateRecord[]): AggregateReport => ({
  kind: 'dmarc-aggregate',
  source: { file: 'gen', entry: null },
  version: '1.0',
  namespace: null,
  orgName: 'receiver.example',
  email: null,
  extraContactInfo: null,
  reportId: id,
  begin,
  end: begin.replace('T00:00:00Z', 'T23:59:59Z'),
  generator: null,
  errors: [],
  policy: {
    domain: 'example.com',
    p: 'none',
    sp: null,
    np: null,
    adkim: null,
    aspf: null,
    pct: null,
    fo: null,
    testing: null,
    discoveryMethod: null,
  },
  recordCount: records.length,
  records,
  problems: [],
});

test('reportSources: PTR with forward confirmation through the resolver, SPF includes, new unauthorised first', async () => {
  const db = join(dir, 's.duckdb');
  const store = await openReportStore(db);
  const fail = {
    dkim: 'fail',
    spf: 'fail',
    authResults: {
      dkim: [],
      spf: [{ domain: 'bad.example', scope: 'mfrom', result: 'fail', humanResult: null }],
    },
  };
  try {
    await store.importBatch([
      report('a', '2026-11-01T00:00:00Z', [
        rec('192.0.2.10', 500),
        rec('192.0.2.20', 40),
        rec('198.51.100.7', 30, fail),
        rec('192.0.2.30', 10, {
          spf: 'fail',
          authResults: {
            dkim: [{ domain: 'example.com', selector: 's', result: 'pass', humanResult: null }],
            spf: [{ domain: 'list.example', scope: 'mfrom', result: 'fail', humanResult: null }],
          },
        }),
      ]),
      report('b', '2026-11-20T00:00:00Z', [rec('203.0.113.66', 5, fail)]),
    ]);
    const resolver = staticResolver({
      '10.2.0.192.in-addr.arpa': { PTR: ['mail-a1.google.com'] },
      'mail-a1.google.com': { A: ['192.0.2.10'] },
      // a PTR that claims Google but does not resolve back: no organisation from it
      '20.2.0.192.in-addr.arpa': { PTR: ['fake.google.com'] },
      'fake.google.com': { A: ['192.0.2.99'] },
      '7.100.51.198.in-addr.arpa': 'SERVFAIL',
      // identified by the SPF include the catalogue names for SendGrid
      'sendgrid.net': { TXT: ['v=spf1 ip4:203.0.113.0/24 -all'] },
    });
    const rows = await reportSources(store, {
      domain: 'example.com',
      resolver,
      newSince: '2026-11-15T00:00:00Z',
    });
    assert.deepEqual(
      rows.map((r) => [r.ip, r.class, r.organisation, r.ptr, r.ptrConfirmed, r.new]),
      [
        ['203.0.113.66', 'unauthorised', 'SendGrid', null, null, true],
        ['192.0.2.10', 'authorised', 'Google', 'mail-a1.google.com', true, false],
        ['192.0.2.20', 'authorised', null, 'fake.google.com', false, false],
        ['198.51.100.7', 'unauthorised', null, null, null, false],
        ['192.0.2.30', 'forwarder', null, null, null, false],
      ],
    );
    assert.match(rows.find((r) => r.ip === '198.51.100.7')?.reason ?? '', /PTR lookup SERVFAIL/);
    assert.equal(rows[1]?.messages, 500);
    assert.equal(rows[1]?.dmarcPass.percent, 100);
    // bounded: beyond maxLookups nothing is asked
    const none = await reportSources(store, {
      domain: 'example.com',
      resolver: staticResolver({}),
      maxLookups: 1,
    });
    assert.match(none[4]?.reason ?? '', /not looked up \(beyond the first 1 sources\)/);
    const offline = await reportSources(store, { domain: 'example.com' });
    assert.ok(offline.every((r) => r.ptr === null));
  } finally {
    store.close();
  }
});
