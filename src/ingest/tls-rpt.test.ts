import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TlsReport } from './normalise.ts';
import { parseTlsRpt } from './tls-rpt.ts';

const src = { file: 't.json', entry: null };
const base = (policy: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    'organization-name': 'Company-X',
    'date-range': { 'start-datetime': '2016-04-01T00:00:00Z', 'end-datetime': '2016-04-01T23:59:59Z' },
    'contact-info': 'sts-reporting@company-x.example',
    'report-id': '5065427c-23d3-47ca-b6e0-946ea0e8c4be',
    policies: [
      {
        policy: { 'policy-type': 'sts', 'policy-domain': 'company-y.example', ...policy },
        summary: { 'total-successful-session-count': 5326, 'total-failure-session-count': 303 },
        ...extra,
      },
    ],
  });

function ok(json: string): TlsReport {
  const r = parseTlsRpt(json, src);
  assert.ok(r.ok, JSON.stringify(r.problems));
  return r.value;
}

const cases: [title: string, json: string, check: (r: TlsReport) => void][] = [
  [
    '8460 §4.9 example report',
    base(
      { 'policy-string': ['version: STSv1', 'mode: testing'], 'mx-host': ['*.mail.company-y.example'] },
      {
        'failure-details': [
          {
            'result-type': 'certificate-expired',
            'sending-mta-ip': '2001:db8:abcd:0012::1',
            'receiving-mx-hostname': 'mx1.mail.company-y.example',
            'failed-session-count': 100,
          },
          {
            'result-type': 'starttls-not-supported',
            'sending-mta-ip': '2001:db8:abcd:0013::1',
            'receiving-mx-hostname': 'mx2.mail.company-y.example',
            'receiving-ip': '203.0.113.56',
            'failed-session-count': 200,
            'additional-information': 'https://reports.company-x.example/report_info?id=5065427c-23d3',
          },
        ],
      },
    ),
    (r) => {
      assert.equal(r.kind, 'tls-rpt');
      assert.equal(r.organizationName, 'Company-X');
      assert.equal(r.begin, '2016-04-01T00:00:00Z');
      const p = r.policies[0];
      assert.equal(p?.policyType, 'sts');
      assert.equal(p?.policyDomain, 'company-y.example');
      assert.equal(p?.successfulSessions, 5326);
      assert.equal(p?.failedSessions, 303);
      assert.equal(p?.failures.length, 2);
      assert.equal(p?.failures[1]?.receivingIp, '203.0.113.56');
      assert.deepEqual(r.problems, []);
    },
  ],
  [
    'Microsoft: policy-string as a JSON string',
    base({ 'policy-string': '["version: STSv1","mode: enforce","mx: mail.example.com","max_age: 604800"]' }),
    (r) => {
      assert.deepEqual(r.policies[0]?.policyString, [
        'version: STSv1',
        'mode: enforce',
        'mx: mail.example.com',
        'max_age: 604800',
      ]);
      assert.deepEqual(
        r.problems.map((p) => p.code),
        ['policy-string-json-string'],
      );
    },
  ],
  [
    'mx-host as a string (RFC 8460 example)',
    base({ 'mx-host': '*.mail.company-y.example' }),
    (r) => assert.deepEqual(r.policies[0]?.mxHost, ['*.mail.company-y.example']),
  ],
  [
    'mx-host as an array',
    base({ 'mx-host': ['a.example', 'b.example'] }),
    (r) => assert.deepEqual(r.policies[0]?.mxHost, ['a.example', 'b.example']),
  ],
  ['missing failure-details', base({}), (r) => assert.deepEqual(r.policies[0]?.failures, [])],
  [
    'Microsoft: failure without sending-mta-ip',
    base({}, { 'failure-details': [{ 'result-type': 'validation-failure', 'failed-session-count': 3 }] }),
    (r) => assert.equal(r.policies[0]?.failures[0]?.sendingMtaIp, null),
  ],
  [
    'contact-info null',
    base({}).replace('"sts-reporting@company-x.example"', 'null'),
    (r) => assert.equal(r.contactInfo, null),
  ],
  [
    'BOM before the JSON',
    `\uFEFF${base({})}`,
    (r) => assert.equal(r.reportId, '5065427c-23d3-47ca-b6e0-946ea0e8c4be'),
  ],
  [
    'no-policy-found without policy-string',
    base({ 'policy-type': 'no-policy-found' }),
    (r) => {
      assert.equal(r.policies[0]?.policyType, 'no-policy-found');
      assert.deepEqual(r.policies[0]?.policyString, []);
    },
  ],
];
for (const [title, json, check] of cases) test(title, () => check(ok(json)));

test('JSON that is not a TLS report is refused', () => {
  const r = parseTlsRpt('{"hello":1}', src);
  assert.equal(r.ok, false);
  assert.deepEqual(
    r.problems.map((p) => p.code),
    ['not-tls-rpt'],
  );
});
test('broken JSON is refused, not thrown', () => {
  assert.equal(parseTlsRpt('{"organization-name": ', src).ok, false);
});
test('a top-level array or string is refused', () => {
  assert.equal(parseTlsRpt('[1,2]', src).ok, false);
  assert.equal(parseTlsRpt('"x"', src).ok, false);
});
