import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import type { DomainDocument } from '../audit/document.ts';
import { domainView, historyView } from './domain-view.ts';
import type { ShownReport, SourceRow } from './reports.ts';
import { failingFirst, shownReportXml } from './reports-view.ts';

const share = (count: number, of: number) => ({ count, percent: of ? (count / of) * 100 : null });
const source = (ip: string, cls: SourceRow['class'], messages: number, pass: number): SourceRow =>
  ({
    ip,
    ptr: null,
    ptrConfirmed: false,
    organisation: null,
    messages,
    dmarcPass: share(pass, messages),
    spfAligned: share(pass, messages),
    dkimAligned: share(pass, messages),
    class: cls,
  }) as unknown as SourceRow;

test('failingFirst: unauthorised, unknown, forwarder, authorised; then by failing messages', () => {
  const rows = failingFirst([
    source('192.0.2.1', 'authorised', 1000, 1000),
    source('192.0.2.2', 'unknown', 10, 5),
    source('192.0.2.3', 'unauthorised', 3, 0),
    source('192.0.2.4', 'unauthorised', 50, 0),
    source('192.0.2.5', 'forwarder', 80, 10),
  ]);
  assert.deepEqual(
    rows.map((r) => r.ip),
    ['192.0.2.4', '192.0.2.3', '192.0.2.2', '192.0.2.5', '192.0.2.1'],
  );
});

test('shownReportXml: RFC 7489 element names, every value escaped (payloads stay text)', () => {
  const payload = '<script>alert(1)</script>&"\'';
  const shown = {
    id: 'abc',
    kind: 'dmarc-aggregate',
    importedAt: '2026-01-02T00:00:00Z',
    moreRecords: 0,
    report: {
      version: '1.0',
      orgName: payload,
      email: 'a@b.test',
      reportId: payload,
      begin: '2026-01-01T00:00:00Z',
      end: '2026-01-01T23:59:59Z',
      policy: { domain: 'example.ch', p: 'reject', adkim: 'r', aspf: 'r', pct: 100 },
      records: [
        {
          sourceIp: payload,
          count: 3,
          disposition: 'none',
          dkim: 'pass',
          spf: 'fail',
          reasons: [{ type: 'forwarded', comment: payload }],
          headerFrom: 'example.ch',
          envelopeFrom: null,
          envelopeTo: null,
          authResults: { dkim: [{ domain: 'example.ch', selector: payload, result: 'pass' }], spf: [] },
        },
      ],
    },
  } as unknown as ShownReport;
  const xml = shownReportXml(shown);
  assert.ok(!xml.includes('<script>'), xml);
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<feedback>'));
  const back = new XMLParser({ parseTagValue: false, htmlEntities: true }).parse(xml) as {
    feedback: {
      report_metadata: { org_name: string; date_range: { begin: string } };
      record: { row: { source_ip: string; count: string }; auth_results: { dkim: { selector: string } } };
    };
  };
  assert.equal(back.feedback.report_metadata.org_name, payload);
  assert.equal(back.feedback.report_metadata.date_range.begin, '1767225600');
  assert.equal(back.feedback.record.row.source_ip, payload);
  assert.equal(back.feedback.record.row.count, '3');
  assert.equal(back.feedback.record.auth_results.dkim.selector, payload);
});

const doc = (checkedAt: string, spf: string, findings: { id: string; check: string }[]) =>
  ({
    schemaVersion: '1',
    domain: 'example.ch',
    checkedAt,
    resolver: { address: '127.0.0.1', validates: true },
    findings: findings.map((f) => ({ ...f, severity: 'warning', message: `${f.id} seen` })),
    summary: { pass: 1, warn: 0, fail: 0, absent: 0, error: 0, skipped: 0, errors: 0, warnings: 1, infos: 0 },
    dmarc: { status: 'pass', queryCount: 1, record: 'v=DMARC1; p=reject', policy: 'reject' },
    spf: { status: spf, queryCount: 1, record: null, records: [] },
  }) as unknown as DomainDocument;

test('domainView and historyView: a verdict per section; what changed from one scan to the next', () => {
  const a = doc('2026-01-01T00:00:00Z', 'absent', [{ id: 'spf.no-record', check: 'spf' }]);
  const b = doc('2026-02-01T00:00:00Z', 'pass', [{ id: 'dmarc.no-rua', check: 'dmarc' }]);
  const v = domainView(b);
  assert.deepEqual(
    v.sections.map((s) => [s.id, s.status]),
    [
      ['dmarc', 'pass'],
      ['spf', 'pass'],
    ],
  );
  assert.equal(v.sections[0]?.title, 'DMARC');
  assert.equal(v.sections[0]?.findings[0]?.id, 'dmarc.no-rua');
  const h = historyView([
    { scan: 'jan', started: '2026-01-01', doc: a },
    { scan: 'feb', started: '2026-02-01', doc: b },
  ]);
  assert.equal(h[0]?.first, true);
  assert.deepEqual(h[1]?.changes, [{ section: 'spf', title: 'SPF', from: 'absent', to: 'pass' }]);
  assert.deepEqual(
    h[1]?.findingsAdded.map((f) => f.id),
    ['dmarc.no-rua'],
  );
  assert.deepEqual(
    h[1]?.findingsRemoved.map((f) => f.id),
    ['spf.no-record'],
  );
});
