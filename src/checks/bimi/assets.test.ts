import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SVG_INVALID, SVG_VALID } from '../../../testworld/https/content.ts';
import { createMarkCertificate, type MarkCertificate } from '../../../testworld/https/mark.ts';
import { validateSvgTinyPs } from './svg.ts';
import { validateMarkCertificate } from './vmc.ts';

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
