import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GMP_COLUMNS, gmpHeader, gmpLine, gmpValues } from './gmp.ts';

/** the cells of one line as Export-Csv writes it: every field quoted, "" inside */
const cells = (line: string) =>
  [...line.replace(/\r\n$/, '').matchAll(/"((?:[^"]|"")*)"/g)].map((m) =>
    (m[1] as string).replace(/""/g, '"'),
  );
const row = (doc: Record<string, unknown>) =>
  Object.fromEntries(GMP_COLUMNS.map((c, i) => [c, cells(gmpLine(doc))[i]]));

test('gmp-csv: the header is Get-Mailprotection v1.23’s 40 columns, quoted, CRLF', () => {
  assert.equal(GMP_COLUMNS.length, 40);
  assert.ok(gmpHeader().endsWith('\r\n'));
  assert.deepEqual(cells(gmpHeader()), [...GMP_COLUMNS]);
  assert.equal(cells(gmpLine({ domain: 'a.ch' })).length, 40);
});

test('gmp-csv: a fact mailsec could not determine is an empty cell, never False; a decided absence is False', () => {
  const r = row({
    domain: 'a.ch',
    spf: { status: 'error', records: [] },
    dmarc: { status: 'absent', record: null, records: [] },
    smtp: { status: 'skipped', starttlsSupport: 'skipped', hosts: [] },
    securityTxt: { status: 'error', url: null },
  });
  assert.equal(r.SPFAvailable, '');
  assert.equal(r.SPFLookupCount, '');
  assert.equal(r.DMARCAvailable, 'False');
  assert.equal(r.StartTLSSupport, '');
  assert.equal(r.StartTLSCount, '');
  assert.equal(r.SecurityTXT, '');
});

test('gmp-csv: hostile text stays one cell — quotes doubled, line breaks flattened, formulas made text', () => {
  const banner = '=HYPERLINK("http://evil.example","x")\r\n250 ok';
  const doc = {
    domain: 'a.ch',
    smtp: {
      status: 'fail',
      starttlsSupport: 'none',
      hosts: [
        {
          exchange: 'mx.a.ch',
          banner,
          outcome: 'refused',
          connectionRefused: false,
          starttls: 'no',
          certificate: { issuer: '@SUM(1+1)' },
        },
      ],
    },
    spf: {
      status: 'pass',
      record: 'v=spf1 include:"x" -all',
      records: ['v=spf1 include:"x" -all'],
      lookups: 1,
    },
  };
  const line = gmpLine(doc);
  assert.equal(line.split('\r\n').length, 2, 'one line');
  const r = row(doc);
  assert.equal(r.SMTPError, `'=HYPERLINK("http://evil.example","x")`);
  assert.equal(r.SMTPCertIssuer, "'@SUM(1+1)");
  assert.equal(r.SPFRecord, 'v=spf1 include:"x" -all');
  assert.equal(r.SPFLookupCount, '1');
  assert.equal(r.StartTLSSupport, 'None');
  assert.equal(gmpValues(doc).SMTPBanner?.toString(), '220 =HYPERLINK("http://evil.example","x")');
});
