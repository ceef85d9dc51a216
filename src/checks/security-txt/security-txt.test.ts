import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HttpResponse } from '../../net/https.ts';
import { assertStatusAllowed } from '../shared/test-context.ts';
import { checkSecurityTxt } from './check.ts';
import type { SecurityTxtGathered } from './gather.ts';
import { parseExpires, parseSecurityTxt } from './parse.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const D = 'example.ch';
const WK = `https://${D}/.well-known/security.txt`;
const good = [
  `Contact: mailto:security@${D}`,
  'Expires: 2026-12-01T00:00:00Z',
  `Encryption: https://${D}/key.txt`,
  `Canonical: ${WK}`,
  '',
].join('\n');

const parseCases: [title: string, body: string, codes: string[]][] = [
  ['9116 §2.5 valid file', good, []],
  ['9116 §2.5 space before the colon', 'Contact : mailto:a@b.ch\n', ['prec_ws']],
  ['9116 §2.5 no space after the colon', 'Contact:mailto:a@b.ch\n', ['no_space']],
  ['9116 §2.4 last line without newline', 'Contact: mailto:a@b.ch', ['no_line_separators']],
  ['9116 §2.5 http web URI', 'Contact: http://b.ch/sec\n', ['no_https']],
  ['9116 §2.5 unknown field', 'Contact: mailto:a@b.ch\nFoo: bar\n', ['unknown_field']],
  ['9116 §3 byte order mark', '\uFEFFContact: mailto:a@b.ch\n', ['bom_in_file']],
];
for (const [title, body, codes] of parseCases) {
  test(`parse: ${title}`, () =>
    assert.deepEqual(
      parseSecurityTxt(body).problems.map((p) => p.code),
      codes,
    ));
}

test('parse: 9116 §2.3 a signed-message header without a signature block is not signed', () => {
  for (const body of [
    `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n${good}`,
    `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n${good}-----BEGIN PGP SIGNATURE-----\n\nabc\n`,
    `-----BEGIN PGP SIGNATURE-----\n-----END PGP SIGNATURE-----\n-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n${good}`,
  ]) {
    const p = parseSecurityTxt(body);
    assert.equal(p.signed, false, body);
    assert.ok(
      p.problems.some((x) => x.code === 'signed_format_issue'),
      body,
    );
  }
});

test('parse: 9116 §2.3 signed file: fields read, signed', () => {
  const body = `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n${good}-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n`;
  const p = parseSecurityTxt(body);
  assert.equal(p.signed, true);
  assert.deepEqual(p.problems, []);
  assert.equal(p.fields.find((f) => f.name === 'contact')?.value, `mailto:security@${D}`);
});

const res = (url: string, r: Partial<HttpResponse>): HttpResponse => ({
  url,
  outcome: 'ok',
  status: 200,
  headers: {},
  mediaType: 'text/plain',
  charset: 'utf-8',
  location: null,
  body: null,
  address: '192.0.2.1',
  error: null,
  ...r,
});
const g = (wk: Partial<HttpResponse>, legacy?: Partial<HttpResponse>): SecurityTxtGathered => ({
  domain: D,
  wellKnown: { url: WK, responses: [res(WK, wk)] },
  legacy: legacy
    ? { url: `https://${D}/security.txt`, responses: [res(`https://${D}/security.txt`, legacy)] }
    : null,
});
const cases: [title: string, g: SecurityTxtGathered, status: string, ids: string[]][] = [
  ['valid: pass', g({ body: Buffer.from(good) }), 'pass', ['securityTxt.not-signed']],
  [
    'expired: fail',
    g({ body: Buffer.from(good.replace('2026-12-01', '2025-01-01')) }),
    'fail',
    ['securityTxt.expired', 'securityTxt.not-signed'],
  ],
  [
    'over a year ahead: warn',
    g({ body: Buffer.from(good.replace('2026-12-01', '2028-01-01')) }),
    'warn',
    ['securityTxt.long-expiry', 'securityTxt.not-signed'],
  ],
  [
    '9116 §2.5.5 a year and half a day ahead (under 366 days): warn',
    g({ body: Buffer.from(good.replace('2026-12-01T00:00:00Z', '2027-06-01T12:00:00Z')) }),
    'warn',
    ['securityTxt.long-expiry', 'securityTxt.not-signed'],
  ],
  [
    '9116 §2.5.5 just under a year ahead: pass',
    g({ body: Buffer.from(good.replace('2026-12-01T00:00:00Z', '2027-05-31T23:00:00Z')) }),
    'pass',
    ['securityTxt.not-signed'],
  ],
  [
    'HTML soft 404: absent',
    g(
      { mediaType: 'text/html', body: Buffer.from('<html>hi</html>') },
      { mediaType: 'text/html', body: Buffer.from('<html>hi</html>') },
    ),
    'absent',
    ['securityTxt.soft-404'],
  ],
  [
    '404: absent',
    g({ status: 404, body: Buffer.from('no') }, { status: 404 }),
    'absent',
    ['securityTxt.not-found'],
  ],
  [
    'legacy location only: fail',
    g({ status: 404 }, { body: Buffer.from(good.replace(WK, `https://${D}/security.txt`)) }),
    'fail',
    ['securityTxt.location', 'securityTxt.not-signed'],
  ],
  [
    '9116 §2.5.2 Canonical compared as a URI (host case, default port)',
    g({
      body: Buffer.from(
        good.replace(`Canonical: ${WK}`, 'Canonical: https://EXAMPLE.ch:443/.well-known/security.txt'),
      ),
    }),
    'pass',
    ['securityTxt.not-signed'],
  ],
  [
    '9116 §2.5.2 Canonical naming another file: fail',
    g({
      body: Buffer.from(
        good.replace(`Canonical: ${WK}`, `Canonical: https://www.${D}/.well-known/security.txt`),
      ),
    }),
    'fail',
    ['securityTxt.no-canonical-match', 'securityTxt.not-signed'],
  ],
  ['timeout: error', g({ outcome: 'timeout', status: null }), 'error', ['securityTxt.undetermined']],
  [
    'interface.md: connection refused on 443 (no web server): absent, with the reason',
    g({ outcome: 'refused', status: null }),
    'absent',
    ['securityTxt.not-found'],
  ],
  [
    'connection reset: error, never absent',
    g({ outcome: 'reset', status: null }),
    'error',
    ['securityTxt.undetermined'],
  ],
  [
    'no route from here (ENETUNREACH): error, never absent',
    g({ outcome: 'unreachable', status: null }),
    'error',
    ['securityTxt.undetermined'],
  ],
  [
    'text/plain over the 100 KiB cap (not read): error, never absent',
    g(
      { outcome: 'too-large', body: null, error: 'body over 102400 bytes' },
      { status: 404, body: Buffer.from('no') },
    ),
    'error',
    ['securityTxt.undetermined'],
  ],
  [
    'an HTML page over the cap is still a soft 404: absent',
    g(
      { outcome: 'too-large', mediaType: 'text/html', body: null, error: 'body over 102400 bytes' },
      { status: 404, body: Buffer.from('no') },
    ),
    'absent',
    ['securityTxt.not-found'],
  ],
  [
    'certificate not valid for the host (nothing fetched): error, never present',
    g({ outcome: 'certificate', status: null, error: "Hostname/IP does not match certificate's altnames" }),
    'error',
    ['securityTxt.invalid-cert', 'securityTxt.undetermined'],
  ],
  [
    'well-known 503, file at the legacy location: error, not "legacy only"',
    g({ status: 503 }, { body: Buffer.from(good.replace(WK, `https://${D}/security.txt`)) }),
    'error',
    ['securityTxt.undetermined', 'securityTxt.not-signed'],
  ],
  ['HTTP 503: error, never absent', g({ outcome: 'ok', status: 503 }), 'error', ['securityTxt.undetermined']],
  ['no HTTPS: skipped', { domain: D, wellKnown: null, legacy: null }, 'skipped', []],
];
/** The fix of each failure says what to do about that failure (no SERVFAIL advice for a web server). */
const fixCases: [title: string, wk: Partial<HttpResponse>, fix: RegExp, not?: RegExp][] = [
  [
    'refused: publish the file',
    { outcome: 'refused', status: null },
    /Serve https:\/\/example\.ch\/\.well-known\/security\.txt/,
    /SERVFAIL/,
  ],
  [
    'timeout: the web server did not answer',
    { outcome: 'timeout', status: null },
    /did not answer in time/,
    /SERVFAIL/,
  ],
  ['HTTP 503: a server error', { outcome: 'ok', status: 503 }, /answered HTTP 503/, /SERVFAIL/],
  [
    'reset: the connection failed',
    { outcome: 'reset', status: null, error: 'socket hang up' },
    /connection .* failed \(socket hang up\)/,
    /SERVFAIL/,
  ],
  [
    'certificate: install one',
    { outcome: 'certificate', status: null, error: 'self-signed' },
    /certificate/,
    /SERVFAIL/,
  ],
  [
    'DNS failure: the name servers',
    { outcome: 'dns-error', status: null, error: 'SERVFAIL' },
    /name servers answer/,
  ],
];
for (const [title, wk, fix, not] of fixCases) {
  test(`fix matches the failure: ${title}`, () => {
    const r = checkSecurityTxt(g(wk), NOW);
    const f = r.findings.find(
      (x) => x.id === 'securityTxt.undetermined' || x.id === 'securityTxt.not-found',
    )!;
    assert.ok(f, JSON.stringify(r.findings));
    assert.match(f.fix ?? '', fix);
    if (not) for (const x of r.findings) assert.doesNotMatch(x.fix ?? '', not, x.id);
  });
}
test('refused: the reason names the refused connection', () => {
  const r = checkSecurityTxt(g({ outcome: 'refused', status: null, address: '192.0.2.7' }), NOW);
  assert.match(
    r.findings[0]!.message,
    /no web server: the connection to port 443 at 192\.0\.2\.7 was refused/,
  );
});

for (const [title, gathered, status, ids] of cases) {
  test(`check: ${title}`, () => {
    const r = checkSecurityTxt(gathered, NOW);
    assertStatusAllowed(r);
    assert.deepEqual(
      r.findings.map((f) => f.id),
      ids,
    );
    assert.equal(r.status, status);
  });
}

test('check: 9116 §2.5.2 Canonical with the IDN U-label matches the A-label URL fetched', () => {
  const idn = 'xn--bcher-kva.ch';
  const url = `https://${idn}/.well-known/security.txt`;
  const body = [
    'Contact: mailto:security@xn--bcher-kva.ch',
    'Expires: 2026-12-01T00:00:00Z',
    'Encryption: https://xn--bcher-kva.ch/key.txt',
    'Canonical: https://bücher.ch/.well-known/security.txt',
    '',
  ].join('\n');
  const r = checkSecurityTxt(
    { domain: idn, wellKnown: { url, responses: [res(url, { body: Buffer.from(body) })] }, legacy: null },
    NOW,
  );
  assert.deepEqual(
    r.findings.map((f) => f.id),
    ['securityTxt.not-signed'],
  );
  assert.equal(r.status, 'pass');
});

test('parse: 9116 §2.5.5 Expires is an RFC 3339 date-time that exists', () => {
  const iso = (v: string) => parseExpires(v)?.toISOString() ?? null;
  assert.equal(iso('2026-12-01T00:00:00Z'), '2026-12-01T00:00:00.000Z');
  assert.equal(iso('2026-12-01T02:30:00+02:30'), '2026-12-01T00:00:00.000Z');
  assert.equal(iso('2026-11-30T19:00:00.5-05:00'), '2026-12-01T00:00:00.500Z');
  assert.equal(iso('2026-12-01t00:00:00z'), '2026-12-01T00:00:00.000Z');
  assert.equal(iso('2026-12-31T23:59:60Z'), '2026-12-31T23:59:59.000Z');
  assert.equal(iso('2028-02-29T00:00:00Z'), '2028-02-29T00:00:00.000Z');
  assert.equal(iso('2026-02-30T00:00:00Z'), null);
  assert.equal(iso('2027-02-29T00:00:00Z'), null);
  assert.equal(iso('2026-04-31T00:00:00Z'), null);
  assert.equal(iso('2026-13-01T00:00:00Z'), null);
  assert.equal(iso('2026-12-01T24:00:00Z'), null);
  assert.equal(iso('2026-12-01T00:00:00+24:00'), null);
  assert.equal(iso('2026-12-01 00:00:00Z'), null);
  assert.equal(iso('2026-12-01T00:00:00'), null);
});
