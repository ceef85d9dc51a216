import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SVG_INVALID, SVG_VALID } from '../../../testworld/https/content.ts';
import {
  createMarkCertificate,
  logotypeExtension,
  type MarkCertificate,
} from '../../../testworld/https/mark.ts';
import { statusFrom } from '../../core/status.ts';
import type { HttpResponse } from '../../net/https.ts';
import { assertStatusAllowed } from '../shared/test-context.ts';
import { checkBimiAssets } from './assets.ts';
import type { BimiResult } from './check.ts';
import { validateSvgTinyPs } from './svg.ts';
import { BIMI_EKU, validateMarkCertificate } from './vmc.ts';

const svg = (attrs: string, body = '<title>Brand</title>') =>
  `<svg xmlns="http://www.w3.org/2000/svg" ${attrs}>${body}</svg>`;
const OK = 'version="1.2" baseProfile="tiny-ps" viewBox="0 0 10 10"';
const cases: [title: string, text: string, count: number][] = [
  ['valid SVG Tiny PS', SVG_VALID, 0],
  ['many violations', SVG_INVALID, 9],
  ['baseProfile tiny', svg('version="1.2" baseProfile="tiny" viewBox="0 0 10 10"'), 1],
  ['no title', svg(OK, '<rect width="1" height="1"/>'), 1],
  ['x on the root', svg(`${OK} x="0"`), 1],
  ['external href', svg(OK, '<title>B</title><use href="https://e.test/a.svg#x"/>'), 1],
  ['internal href is fine', svg(OK, '<title>B</title><use href="#x"/>'), 0],
  ['not square', svg('version="1.2" baseProfile="tiny-ps" viewBox="0 0 20 10"'), 1],
  ['DOCTYPE rejected', `<!DOCTYPE svg [<!ENTITY a "b">]>${svg(OK)}`, 1],
  ['set animation', svg(OK, '<title>B</title><set attributeName="x" to="1"/>'), 1],
  [
    'external reference in a <style> element',
    svg(OK, '<title>B</title><style>@import url(https://e.test/a.css); path { fill: red }</style>'),
    1,
  ],
  [
    'external url() in a CDATA <style>',
    svg(OK, '<title>B</title><style><![CDATA[path { fill: url( "https://e.test/g.svg#g") }]]></style>'),
    1,
  ],
  ['internal url() in <style> is fine', svg(OK, '<title>B</title><style>path { fill: url(#g) }</style>'), 0],
];
for (const [title, text, count] of cases) {
  test(`svg: ${title}`, () =>
    assert.equal(validateSvgTinyPs(text).length, count, validateSvgTinyPs(text).join('; ')));
}

let dir: string;
let mark: MarkCertificate;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailsec-mark-'));
  mark = await createMarkCertificate(dir, 'brand.test');
});
after(() => rm(dir, { recursive: true, force: true }));

const base = () => ({
  domain: 'brand.test',
  selector: 'default',
  roots: mark.rootPem,
  now: new Date(),
  svg: Buffer.from(SVG_VALID),
});

test('vmc: valid chain, EKU, SAN, logotype equals the logo', () => {
  const v = validateMarkCertificate(mark.chainPem, base());
  assert.deepEqual(v.problems, []);
  assert.equal(v.valid, true);
  assert.equal(v.logoMatches, true);
});
test('vmc: the subject carries the mark type (markType, 1.3.6.1.4.1.53087.1.13)', () => {
  assert.equal(validateMarkCertificate(mark.chainPem, base()).markType, 'Registered Mark');
});
test('vmc: a subject without markType is not a valid mark certificate (checkdmarc flags it too)', async () => {
  const none = await createMarkCertificate(join(dir, 'no-mark-type'), 'brand.test', SVG_VALID, null);
  const v = validateMarkCertificate(none.chainPem, { ...base(), roots: none.rootPem });
  assert.equal(v.valid, false);
  assert.equal(v.markType, null);
  assert.ok(
    v.problems.some((p) => /no markType \(1\.3\.6\.1\.4\.1\.53087\.1\.13\)/.test(p)),
    v.problems.join('; '),
  );
});
test('vmc: another domain is not in the SANs', () => {
  const v = validateMarkCertificate(mark.chainPem, { ...base(), domain: 'other.test' });
  assert.equal(v.valid, false);
});
test('vmc: a different logo does not match', () => {
  const v = validateMarkCertificate(mark.chainPem, { ...base(), svg: Buffer.from(SVG_INVALID) });
  assert.equal(v.logoMatches, false);
  assert.equal(v.valid, false);
});
test('vmc: untrusted root', () => {
  const v = validateMarkCertificate(mark.chainPem, { ...base(), roots: '' });
  assert.equal(v.valid, false);
});
test('vmc: no roots given: not verified (null)', () => {
  const v = validateMarkCertificate(mark.chainPem, { ...base(), roots: null });
  assert.equal(v.valid, null);
});
test('vmc: expired at a later date', () => {
  const v = validateMarkCertificate(mark.chainPem, {
    ...base(),
    now: new Date(Date.now() + 400 * 86_400_000),
  });
  assert.equal(v.valid, false);
});

const response = (r: Partial<HttpResponse>): HttpResponse => ({
  url: 'https://brand.test/logo.svg',
  outcome: 'ok',
  status: 200,
  headers: {},
  mediaType: 'image/svg+xml',
  charset: null,
  location: null,
  body: Buffer.from(SVG_VALID),
  address: '192.0.2.1',
  error: null,
  ...r,
});
const declared = (): BimiResult => ({
  check: 'bimi',
  status: statusFrom(true, []),
  findings: [],
  evidence: {
    record: 'v=BIMI1; l=https://brand.test/logo.svg;',
    records: ['v=BIMI1; l=https://brand.test/logo.svg;'],
    selector: 'default',
    foundAt: 'brand.test',
    location: 'https://brand.test/logo.svg',
    authority: null,
    declination: false,
    svg: { valid: null, problems: [] },
    certificate: { valid: null, problems: [] },
    assetsChecked: false,
    dmarcEnforced: true,
  },
});
const notTestedCases: [title: string, r: Partial<HttpResponse>, status: string, ids: string[]][] = [
  ['logo host SERVFAIL', { outcome: 'dns-error', status: null, body: null }, 'error', ['bimi.undetermined']],
  ['logo fetch timeout', { outcome: 'timeout', status: null, body: null }, 'error', ['bimi.undetermined']],
  ['logo server 503', { status: 503, body: null }, 'error', ['bimi.undetermined']],
  [
    'logo host outside --allow-private (nothing sent)',
    { outcome: 'refused-address', status: null, body: null },
    'pass',
    ['bimi.assets-not-checked'],
  ],
  ['logo 404 is a verdict', { status: 404, body: null }, 'fail', ['bimi.svg-unreachable']],
];
for (const [title, r, status, ids] of notTestedCases) {
  test(`assets: could not test is never fail: ${title}`, () => {
    const res = checkBimiAssets(
      declared(),
      { svg: response(r), pem: null },
      { roots: null, now: new Date() },
    );
    assertStatusAllowed(res);
    assert.deepEqual(
      res.findings.map((f) => f.id),
      ids,
    );
    assert.equal(res.status, status);
    if (status !== 'fail') assert.equal(res.evidence.svg.valid, null);
  });
}

test('vmc: a gzip bomb in the logotype is not inflated past the 32 KB logo cap', async () => {
  const bomb = await createMarkCertificate(
    join(dir, 'bomb'),
    'brand.test',
    `${SVG_VALID}<!--${' '.repeat(40_000_000)}-->`,
  );
  const t0 = performance.now();
  const v = validateMarkCertificate(bomb.chainPem, { ...base(), roots: bomb.rootPem });
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(v.valid, false);
  assert.equal(v.logoMatches, false);
  assert.ok(
    v.problems.some((p) => /inflates to more than 32768 bytes/.test(p)),
    v.problems.join('; '),
  );
});

test('vmc: a chain through a non-CA certificate (a mark certificate signing another) is rejected', async () => {
  const d = join(dir, 'forge');
  await mkdir(d, { recursive: true });
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'pipe' });
  const ext = (name: string, lines: string[]) => writeFileSync(join(d, name), `[x]\n${lines.join('\n')}\n`);
  const root = await createMarkCertificate(join(d, 'root'), 'brand.test');
  // a genuine mark certificate from the trusted root, CA:FALSE, without a keyUsage extension
  ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'brand.key');
  ssl('req', '-new', '-key', 'brand.key', '-subj', '/O=Brand/CN=brand.test', '-out', 'brand.csr');
  ext('brand.ext', [
    'basicConstraints=critical,CA:FALSE',
    `extendedKeyUsage=${BIMI_EKU}`,
    'subjectAltName=DNS:brand.test',
  ]);
  ssl(
    ...[
      'x509',
      '-req',
      '-in',
      'brand.csr',
      '-CA',
      root.rootFile,
      '-CAkey',
      join(d, 'root', 'mark-root.key.pem'),
    ],
    ...['-set_serial', '11', '-days', '30', '-extfile', 'brand.ext', '-extensions', 'x', '-out', 'brand.pem'],
  );
  // its holder signs a "mark certificate" for another domain, with the logo
  ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'victim.key');
  ssl('req', '-new', '-key', 'victim.key', '-subj', '/CN=victim.test', '-out', 'victim.csr');
  ext('victim.ext', [
    `extendedKeyUsage=${BIMI_EKU}`,
    'subjectAltName=DNS:victim.test',
    `1.3.6.1.5.5.7.1.12=DER:${logotypeExtension(SVG_VALID).toString('hex').toUpperCase()}`,
  ]);
  ssl(
    ...['x509', '-req', '-in', 'victim.csr', '-CA', 'brand.pem', '-CAkey', 'brand.key', '-set_serial', '12'],
    ...['-days', '30', '-extfile', 'victim.ext', '-extensions', 'x', '-out', 'victim.pem'],
  );
  const pem = [readFileSync(join(d, 'victim.pem'), 'utf8'), readFileSync(join(d, 'brand.pem'), 'utf8')].join(
    '',
  );
  const v = validateMarkCertificate(pem, { ...base(), domain: 'victim.test', roots: root.rootPem });
  assert.equal(v.valid, false, v.problems.join('; '));
  assert.ok(
    v.problems.some((p) => /not a CA certificate/.test(p)),
    v.problems.join('; '),
  );
});
