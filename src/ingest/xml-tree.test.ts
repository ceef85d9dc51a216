import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregateXml } from '../../testworld/reports.ts';
import { parseXml, parseXmlLenient, parseXmlStrict } from './xml-tree.ts';

/** the strict reader gives fast-xml-parser's tree, or leaves the text to it */
function same(xml: string): 'strict' | 'lenient' {
  const strict = parseXmlStrict(xml);
  let lenient: unknown;
  try {
    lenient = parseXmlLenient(xml);
  } catch (e) {
    assert.equal(
      strict,
      undefined,
      `strict read what fast-xml-parser refuses (${(e as Error).message}): ${xml}`,
    );
    assert.throws(() => parseXml(xml));
    return 'lenient';
  }
  if (strict === undefined) {
    assert.deepEqual(parseXml(xml), lenient);
    return 'lenient';
  }
  assert.deepEqual(strict, lenient, xml);
  return 'strict';
}

const CASES: [string, string, 'strict' | 'lenient'][] = [
  ['plain', '<a><b>x</b><c> y </c></a>', 'strict'],
  [
    'declaration and BOM-less whitespace',
    '<?xml version="1.0" encoding="UTF-8" ?>\n<a>\n <b>1</b>\n</a>\n',
    'strict',
  ],
  ['repeated children', '<a><b>1</b><b>2</b><b>3</b><c/></a>', 'strict'],
  ['empty and self-closed', '<a><b></b><c/><d>  </d><e x="1"/></a>', 'strict'],
  ['prefixes', '<x:a xmlns:x="urn:x"><x:b>1</x:b><y:b xmlns:y="urn:y">2</y:b></x:a>', 'strict'],
  ['attributes ignored', '<a k="v"><b k="&lt;">1</b></a>', 'lenient'],
  ['comment before the root', '<!-- generated --><a><b>1</b></a>', 'lenient'],
  ['comment inside', '<a><b>1<!-- c -->2</b></a>', 'lenient'],
  ['processing instruction inside', '<a><?pi x?><b>1</b></a>', 'lenient'],
  ['entity', '<a><b>x &amp; y</b></a>', 'lenient'],
  ['character reference', '<a><b>&#65;</b></a>', 'lenient'],
  ['CDATA', '<a><b><![CDATA[<x>]]></b></a>', 'lenient'],
  ['mixed content', '<a>text<b>1</b></a>', 'lenient'],
  ['CR LF document with a multi-line value', '<a>\r\n<b>line 1\r\nline 2</b>\r\n</a>', 'lenient'],
  ['CR LF document', '<a>\r\n  <b>1</b>\r\n  <c>2</c>\r\n</a>\r\n', 'strict'],
  ['LF multi-line value', '<a><b>line 1\nline 2</b></a>', 'strict'],
  ['unclosed', '<a><b>1</b>', 'lenient'],
  ['mismatched', '<a><b>1</c></a>', 'lenient'],
  ['two roots', '<a/><b/>', 'lenient'],
  ['text after the root', '<a/>junk', 'lenient'],
  ['reserved name', '<a><constructor>1</constructor><toString>2</toString></a>', 'lenient'],
  ['__proto__', '<a><__proto__><b>1</b></__proto__></a>', 'lenient'],
  ['xmlns tag', '<a><xmlns:b>1</xmlns:b></a>', 'lenient'],
  ['two colons', '<a><b:c:d>1</b:c:d></a>', 'lenient'],
  ['control character', '<a><b>\u0001</b></a>', 'lenient'],
  ['XML 1.1', '<?xml version="1.1"?><a><b>1</b></a>', 'lenient'],
  ['DOCTYPE', '<!DOCTYPE a><a><b>1</b></a>', 'lenient'],
  ['unicode text', '<a><b>Zürich ✓ 𝄞</b></a>', 'strict'],
  ['deep nesting', `${'<a>'.repeat(150)}x${'</a>'.repeat(150)}`, 'lenient'],
  ['nesting within the limit', `${'<a>'.repeat(50)}x${'</a>'.repeat(50)}`, 'strict'],
  ['a stray unclosed element around the root', '<xs:schema><feedback><b>1</b></feedback>', 'lenient'],
  ['unescaped < in a value', '<a><email>R <r@x.example></email></a>', 'lenient'],
  ['tab and nbsp around a value', '<a><b>\t1\u00a0</b></a>', 'strict'],
];

for (const [name, xml, reader] of CASES) {
  test(`xml tree: ${name} → ${reader} reader, one result`, () => {
    assert.equal(same(xml), reader);
  });
}

test('xml tree: generated reports and their variants read alike by both readers', () => {
  let strict = 0;
  for (let n = 0; n < 60; n++) {
    const xml = aggregateXml({
      org: `receiver${n % 5}.example`,
      reportId: `r${n}`,
      domain: `d${n}.example`,
      begin: 1_764_547_200 + n * 86_400,
      records: 1 + (n % 4),
    });
    const variants = [
      xml,
      xml.replace(/\n/g, '\r\n'),
      xml
        .replace(/<(\/?)(\w+)/g, '<$1dmarc:$2')
        .replace('<dmarc:feedback', '<dmarc:feedback xmlns:dmarc="urn:x"'),
      xml.replace(/<sp>none<\/sp>/, '<sp/>').replace(/<pct>100<\/pct>/, '<pct></pct>'),
      xml.replace(
        /<\/auth_results>/g,
        '<spf><domain>x.example</domain><result>none</result></spf></auth_results>',
      ),
      xml.replace('<feedback>', '<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">'),
      xml.replace('</record>', '</record><!-- x -->'),
      xml.replace(/>\s+</g, '><'),
      xml.slice(0, Math.floor(xml.length / 2)),
    ];
    for (const v of variants) if (same(v) === 'strict') strict++;
  }
  assert.ok(strict > 200, `the strict reader took ${strict} of 540 documents`);
});
