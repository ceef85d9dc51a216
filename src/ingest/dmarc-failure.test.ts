import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEximFailure, parseFailureReport } from './dmarc-failure.ts';

// times must come out as UTC whatever the machine's zone
process.env.TZ = 'America/St_Johns';
const src = { file: 'f.eml', entry: null };
const FEEDBACK = [
  'Feedback-Type: auth-failure',
  'User-Agent: Lua/1.0',
  'Version: 1',
  'Original-Mail-From: <sender@example.net>',
  'Original-Rcpt-To: <user@receiver.example>',
  'Arrival-Date: Thu, 8 Mar 2005 17:00:00 EDT',
  'Source-IP: 192.0.2.1',
  'Reported-Domain: Example.net',
  'Auth-Failure: dmarc, spf',
  'Identity-Alignment: none',
  'Authentication-Results: mail.receiver.example;',
  '  dmarc=fail header.from=example.net',
  'Delivery-Result: Reject',
  'DKIM-Domain: example.net',
].join('\r\n');

test('6591 §3.1 / 9991: the fields of an auth-failure report', () => {
  const r = parseFailureReport(FEEDBACK, 'From: a@example.net\r\nSubject: hi\r\nMessage-ID: <1@x>', src);
  assert.ok(r.ok);
  const v = r.value;
  assert.equal(v.kind, 'dmarc-failure');
  assert.deepEqual(v.authFailure, ['dmarc', 'spf']);
  assert.deepEqual(v.identityAlignment, ['none']);
  assert.equal(v.reportedDomain, 'example.net');
  assert.equal(v.sourceIp, '192.0.2.1');
  assert.equal(v.arrivalDate, '2005-03-08T21:00:00Z');
  assert.equal(v.originalMailFrom, 'sender@example.net');
  assert.deepEqual(v.originalRcptTo, ['user@receiver.example']);
  assert.equal(v.deliveryResult, 'reject');
  assert.deepEqual(v.authenticationResults, ['mail.receiver.example; dmarc=fail header.from=example.net']);
  assert.deepEqual(v.original, {
    from: 'a@example.net',
    to: null,
    subject: 'hi',
    messageId: '<1@x>',
    date: null,
  });
  assert.deepEqual(v.problems, []);
});
test('6591: headers-only / no original part', () => {
  const r = parseFailureReport(FEEDBACK, undefined, src);
  assert.ok(r.ok);
  assert.equal(r.value.original, null);
});
test('9991: a report without Auth-Failure is kept with a problem', () => {
  const r = parseFailureReport(FEEDBACK.replace('Auth-Failure: dmarc, spf\r\n', ''), undefined, src);
  assert.ok(r.ok);
  assert.deepEqual(
    r.value.problems.map((p) => p.code),
    ['auth-failure-missing'],
  );
});
test('an ARF abuse report is not a DMARC failure report', () => {
  const r = parseFailureReport('Feedback-Type: abuse\r\nVersion: 1', undefined, src);
  assert.equal(r.ok, false);
});
test('no Feedback-Type at all', () => {
  assert.equal(parseFailureReport('hello', undefined, src).ok, false);
});

test('Exim: a plain-text failure report without a feedback-report part (defect 5)', () => {
  const body = [
    'A message claiming to be from you has failed the published DMARC',
    'policy for your domain.',
    '',
    '  Sender Domain: example.net',
    '  Sender IP Address: 198.51.100.9',
    '  Received Date: Tue, 01 Dec 2026 10:00:00 +0000',
    '  SPF Alignment: no',
    '  DKIM Alignment: no',
    '  DMARC Results: Reject',
    '',
    '  -- original header lines --',
    '  From: ceo@example.net',
    '  Subject: invoice',
  ].join('\n');
  const r = parseEximFailure(body, { file: 'x', entry: null });
  assert.ok(r.ok);
  assert.equal(r.value.reportedDomain, 'example.net');
  assert.equal(r.value.sourceIp, '198.51.100.9');
  assert.equal(r.value.arrivalDate, '2026-12-01T10:00:00Z');
  assert.deepEqual(r.value.identityAlignment, ['none']);
  assert.equal(r.value.original?.from, 'ceo@example.net');
  assert.deepEqual(
    r.value.problems.map((p) => p.code),
    ['plain-text-report'],
  );
});
