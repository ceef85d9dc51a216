import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AggregateParser, parseAggregate, recordSpans } from './dmarc-aggregate.ts';
import type { AggregateReport } from './normalise.ts';

const src = { file: 't.xml', entry: null };

interface Parts {
  decl?: string;
  version?: string | null;
  orgName?: string;
  reportId?: string;
  policy?: string;
  records?: string;
}
const record = (ip = '192.0.2.1', n = 1, extra = '') =>
  `<record><row><source_ip>${ip}</source_ip><count>${n}</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from>${extra}</identifiers><auth_results><spf><domain>example.com</domain><result>pass</result></spf></auth_results></record>`;
const report = (p: Parts = {}) =>
  `${p.decl ?? '<?xml version="1.0" encoding="UTF-8"?>'}
<feedback>${p.version === null ? '' : `<version>${p.version ?? '1.0'}</version>`}
<report_metadata><org_name>${p.orgName ?? 'receiver.example'}</org_name><email>r@receiver.example</email>
<report_id>${p.reportId ?? 'id-1'}</report_id><date_range><begin>1700006400</begin><end>1700092800</end></date_range></report_metadata>
<policy_published>${p.policy ?? '<domain>example.com</domain><adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct><fo>0</fo>'}</policy_published>
${p.records ?? record()}
</feedback>`;

function ok(xml: string): AggregateReport {
  const r = parseAggregate(xml, src);
  assert.ok(r.ok, JSON.stringify(r.problems));
  return r.value;
}
const codes = (x: AggregateReport) => x.problems.map((p) => p.code);

const cases: [title: string, xml: string, check: (r: AggregateReport) => void][] = [
  [
    '7489 App. C: a complete report',
    report(),
    (r) => {
      assert.equal(r.kind, 'dmarc-aggregate');
      assert.equal(r.orgName, 'receiver.example');
      assert.equal(r.reportId, 'id-1');
      assert.equal(r.begin, '2023-11-15T00:00:00Z');
      assert.equal(r.end, '2023-11-16T00:00:00Z');
      assert.equal(r.policy.domain, 'example.com');
      assert.equal(r.policy.pct, 100);
      assert.deepEqual(r.records[0] && { ...r.records[0], authResults: undefined }, {
        sourceIp: '192.0.2.1',
        count: 1,
        disposition: 'none',
        dkim: 'pass',
        spf: 'fail',
        reasons: [],
        headerFrom: 'example.com',
        envelopeFrom: null,
        envelopeTo: null,
        authResults: undefined,
      });
      assert.deepEqual(codes(r), []);
    },
  ],
  [
    'missing <version> (draft report)',
    report({ version: null }),
    (r) => {
      assert.equal(r.version, null);
      assert.deepEqual(codes(r), ['version-missing']);
    },
  ],
  [
    'version 2.0',
    report({ version: '2.0' }),
    (r) => {
      assert.equal(r.version, '2.0');
      assert.deepEqual(codes(r), ['version-unknown']);
    },
  ],
  [
    'empty org_name: the organisation is the base domain of <email>, with a problem (defect 5)',
    report({ orgName: '' }).replace('r@receiver.example', 'noreply-dmarc@mail.receiver.example'),
    (r) => {
      assert.equal(r.orgName, 'receiver.example');
      assert.deepEqual(codes(r), ['org-name-from-email']);
    },
  ],
  [
    'empty org_name and no usable <email>',
    report({ orgName: '' }).replace('r@receiver.example', ''),
    (r) => {
      assert.equal(r.orgName, null);
      assert.deepEqual(codes(r), ['org-name-missing']);
    },
  ],
  [
    '<email> with an unescaped address in angle brackets: id, dates and domain survive (defect 5)',
    report().replace(
      '<email>r@receiver.example</email>',
      '<email>DMARC Reports <dmarc@receiver.example></email>',
    ),
    (r) => {
      assert.equal(r.email, 'DMARC Reports <dmarc@receiver.example>');
      assert.equal(r.reportId, 'id-1');
      assert.equal(r.begin, '2023-11-15T00:00:00Z');
      assert.equal(r.policy.domain, 'example.com');
      assert.deepEqual(codes(r), ['unescaped-markup']);
    },
  ],
  [
    '<feedback> after a stray unclosed <xs:schema> element (defect 5)',
    report().replace(
      '<feedback>',
      '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">\n<feedback>',
    ),
    (r) => {
      assert.equal(r.orgName, 'receiver.example');
      assert.equal(r.records.length, 1);
      assert.deepEqual(codes(r), ['outside-feedback']);
    },
  ],
  [
    '9990 report_id in <>',
    report({ reportId: '&lt;1234.5678@receiver.example&gt;' }),
    (r) => assert.equal(r.reportId, '1234.5678@receiver.example'),
  ],
  [
    'missing sp, pct and fo',
    report({ policy: '<domain>Example.COM</domain><p>Reject</p>' }),
    (r) => {
      assert.equal(r.policy.domain, 'example.com');
      assert.equal(r.policy.p, 'reject');
      assert.equal(r.policy.sp, null);
      assert.equal(r.policy.pct, null);
      assert.equal(r.policy.fo, null);
      assert.deepEqual(codes(r), []);
    },
  ],
  [
    'envelope_from present but empty (null reverse path)',
    report({ records: record('192.0.2.1', 1, '<envelope_from></envelope_from>') }),
    (r) => assert.equal(r.records[0]?.envelopeFrom, null),
  ],
  [
    'multiple spf auth results',
    report({
      records:
        '<record><row><source_ip>192.0.2.1</source_ip><count>2</count><policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers><auth_results><spf><domain>mail.example.com</domain><scope>helo</scope><result>pass</result></spf><spf><domain>example.com</domain><scope>mfrom</scope><result>SoftFail</result></spf></auth_results></record>',
    }),
    (r) =>
      assert.deepEqual(r.records[0]?.authResults.spf, [
        { domain: 'mail.example.com', scope: 'helo', result: 'pass', humanResult: null },
        { domain: 'example.com', scope: 'mfrom', result: 'softfail', humanResult: null },
      ]),
  ],
  [
    'unknown reason types are kept',
    report({
      records: record().replace(
        '</policy_evaluated>',
        '<reason><type>forwarded</type></reason><reason><type>vendor_magic</type><comment>x</comment></reason></policy_evaluated>',
      ),
    }),
    (r) =>
      assert.deepEqual(r.records[0]?.reasons, [
        { type: 'forwarded', comment: null },
        { type: 'vendor_magic', comment: 'x' },
      ]),
  ],
  [
    'BOM, whitespace and no XML declaration',
    `\uFEFF \r\n${report({ decl: '' })}`,
    (r) => assert.equal(r.orgName, 'receiver.example'),
  ],
  [
    'XML declaration with single quotes and ISO-8859-1',
    report({ decl: "<?xml version='1.0' encoding='ISO-8859-1' standalone='yes'?>" }),
    (r) => assert.equal(r.records.length, 1),
  ],
  [
    '9990 namespace prefix on elements',
    report()
      .replace(/<(\/?)(?!\?)([a-z_]+)>/g, '<$1d:$2>')
      .replace('<d:feedback>', '<d:feedback xmlns:d="urn:ietf:params:xml:ns:dmarc-2.0">'),
    (r) => {
      assert.equal(r.namespace, 'urn:ietf:params:xml:ns:dmarc-2.0');
      assert.equal(r.orgName, 'receiver.example');
      assert.equal(r.records[0]?.sourceIp, '192.0.2.1');
    },
  ],
  [
    '9990 default namespace',
    report().replace('<feedback>', '<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">'),
    (r) => assert.equal(r.namespace, 'urn:ietf:params:xml:ns:dmarc-2.0'),
  ],
  [
    'mixed-case keywords are lower-cased (parsedmarc #288)',
    report().replace('<dkim>pass</dkim>', '<dkim>Pass</dkim>'),
    (r) => assert.equal(r.records[0]?.dkim, 'pass'),
  ],
  [
    '9990 disposition pass and policy_test_mode',
    report().replace('<disposition>none', '<disposition>pass'),
    (r) => assert.equal(r.records[0]?.disposition, 'pass'),
  ],
  [
    'a record without count is kept with a problem',
    report({ records: record().replace('<count>1</count>', '') }),
    (r) => {
      assert.equal(r.records[0]?.count, null);
      assert.deepEqual(codes(r), ['record-incomplete']);
    },
  ],
];
for (const [title, xml, check] of cases) test(title, () => check(ok(xml)));

test('hostile: DOCTYPE with entities is refused, never expanded', () => {
  const xml = `<?xml version="1.0"?><!DOCTYPE feedback [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>${report({ orgName: '&b;' }).replace(/^<\?xml[^>]*>/, '')}`;
  const r = parseAggregate(xml, src);
  assert.equal(r.ok, false);
  assert.deepEqual(
    r.problems.map((p) => p.code),
    ['doctype'],
  );
});
test('hostile: an external entity (XXE) is refused', () => {
  const r = parseAggregate(
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><feedback>&e;</feedback>',
    src,
  );
  assert.equal(r.ok, false);
});
test('not a report: another XML root is refused with its name', () => {
  const r = parseAggregate('<svg xmlns="http://www.w3.org/2000/svg"/>', src);
  assert.equal(r.ok, false);
  assert.match(r.problems[0]?.text ?? '', /<svg>/);
});
test('not well-formed XML is refused, not thrown', () => {
  const r = parseAggregate('<feedback><report_metadata></feedback', src);
  assert.equal(r.ok, false);
});
test('every record is listed and counted: no cap on legitimate size (defect 3)', () => {
  const xml = report({ records: record().repeat(100_001) });
  const r = parseAggregate(xml, src);
  assert.ok(r.ok);
  assert.equal(r.value.records.length, 100_001);
  assert.equal(r.value.recordCount, 100_001);
  assert.equal(r.value.problems.length, 0);
});
test('records are cut out one by one: prefixes kept apart, <record_x> is not a record, an unclosed one ends the list', () => {
  assert.deepEqual(recordSpans('<a><record>1</record> <d:record x="1">2</d:record><record_x/></a>'), [
    { start: 3, end: 21 },
    { start: 22, end: 50 },
  ]);
  assert.equal(recordSpans('<record>1</record><record>2').length, 2);
});
test('a <feedback> with nothing readable in it is refused', () => {
  const r = parseAggregate('<feedback><record><a/></record></feedback>', src);
  assert.equal(r.ok, false);
  assert.deepEqual(
    r.problems.map((p) => p.code),
    ['empty-feedback'],
  );
});
test('hostile: deeply nested elements are refused, not a stack overflow', () => {
  const r = parseAggregate(`<feedback>${'<a>'.repeat(200_000)}${'</a>'.repeat(200_000)}</feedback>`, src);
  assert.equal(r.ok, false);
});
test("9990: an extension's own <x:record> is not a DMARC record", () => {
  const xml = report({
    records: `${record()}<extension><v:record xmlns:v="urn:vendor">x</v:record></extension>`,
  });
  const r = parseAggregate(xml, src);
  assert.ok(r.ok);
  assert.equal(r.value.recordCount, 1);
});

test('a truncated report does not count the cut-off record (defect 5)', () => {
  const full = report({ records: record('192.0.2.1', 5) + record('192.0.2.2', 7) });
  const cut = full.slice(0, full.lastIndexOf('<count>7'));
  const p = new AggregateParser(src);
  const events = [...p.push(cut), ...p.end(true)];
  const e = events[0];
  assert.ok(e?.type === 'report', JSON.stringify(events));
  assert.equal(e.report.recordCount, 1);
  assert.deepEqual(
    e.report.records.map((x) => x.count),
    [5],
  );
  assert.ok(codes(e.report).includes('record-cut-off'));
});
test('two reports with unescaped <email> are two reports, not one (defect 5)', () => {
  const a = ok(report({ reportId: 'a' }).replace('r@receiver.example', 'X <x@receiver.example>'));
  const b = ok(report({ reportId: 'b' }).replace('r@receiver.example', 'X <x@receiver.example>'));
  assert.notEqual(a.reportId, b.reportId);
});
test('streamed: a report with more records than `inline` comes as start, batches and end, exact totals', () => {
  const n = 12_345;
  const xml = report({ records: record().repeat(n) });
  const p = new AggregateParser(src, { inline: 1000 });
  const events = [];
  for (let i = 0; i < xml.length; i += 4096) events.push(...p.push(xml.slice(i, i + 4096)));
  events.push(...p.end());
  assert.equal(events[0]?.type, 'start');
  const last = events[events.length - 1];
  assert.ok(last?.type === 'end');
  assert.equal(last.report.recordCount, n);
  const listed = events.reduce((k, e) => k + (e.type === 'records' ? e.records.length : 0), 0);
  assert.equal(listed, n);
  assert.ok(events.every((e) => e.type !== 'records' || e.records.length <= 5000));
});
