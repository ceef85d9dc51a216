import { XMLParser } from 'fast-xml-parser';

/** BIMI Group guidance: the logo file is at most 32 KB. */
export const SVG_MAX_BYTES = 32 * 1024;

const FORBIDDEN = new Map([
  ['script', 'a <script> element'],
  ['animate', 'animation (<animate>)'],
  ['animatemotion', 'animation (<animateMotion>)'],
  ['animatetransform', 'animation (<animateTransform>)'],
  ['animatecolor', 'animation (<animateColor>)'],
  ['set', 'animation (<set>)'],
  ['discard', 'animation (<discard>)'],
  ['foreignobject', 'a <foreignObject> element'],
  ['image', 'an embedded or linked raster <image>'],
  ['iframe', 'an <iframe> element'],
]);

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  preserveOrder: true,
  processEntities: false,
  allowBooleanAttributes: true,
  parseAttributeValue: false,
  parseTagValue: false,
});

const tagOf = (n: Node) => Object.keys(n).find((k) => k !== ':@') ?? '';
const localName = (tag: string) => (tag.includes(':') ? tag.slice(tag.indexOf(':') + 1) : tag).toLowerCase();

/**
 * Validates a logo against SVG Tiny Portable/Secure (BIMI): root `<svg version="1.2"
 * baseProfile="tiny-ps">`, a non-empty `<title>`, no x/y on the root, no scripts, animation,
 * external references or embedded raster, square. Returns the problems (empty: valid). Pure.
 */
export function validateSvgTinyPs(text: string): string[] {
  const problems: string[] = [];
  if (/<!DOCTYPE/i.test(text)) return ['it has a DOCTYPE (entity declarations are not allowed)'];
  if (/<!ENTITY/i.test(text)) return ['it declares entities'];
  let doc: Node[];
  try {
    doc = parser.parse(text) as Node[];
  } catch (e) {
    return [`it is not well-formed XML (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`];
  }
  const root = doc.find((n) => {
    const t = tagOf(n);
    return t !== '?xml' && t !== '#comment' && t !== '#text';
  });
  if (!root || localName(tagOf(root)) !== 'svg') return ['the root element is not <svg>'];
  const attrs = (root[':@'] ?? {}) as Record<string, string>;
  if (attrs.baseProfile !== 'tiny-ps')
    problems.push(
      `baseProfile is ${attrs.baseProfile ? `"${attrs.baseProfile}"` : 'missing'}, not "tiny-ps"`,
    );
  if (attrs.version !== '1.2')
    problems.push(`version is ${attrs.version ? `"${attrs.version}"` : 'missing'}, not "1.2"`);
  if ('x' in attrs || 'y' in attrs) problems.push('the root <svg> has x or y attributes');
  const children = (root[tagOf(root)] ?? []) as Node[];
  const title = children.find((c) => localName(tagOf(c)) === 'title');
  const titleText = title
    ? ((title.title ?? []) as Node[])
        .map((t) => String(t['#text'] ?? ''))
        .join('')
        .trim()
    : '';
  if (!titleText) problems.push('there is no <title> (the brand name)');
  const seen = new Set<string>();
  const walk = (nodes: Node[]) => {
    for (const n of nodes) {
      const tag = tagOf(n);
      if (tag.startsWith('#') || tag.startsWith('?')) continue;
      const name = localName(tag);
      const bad = FORBIDDEN.get(name);
      if (bad) seen.add(`it contains ${bad}`);
      const a = (n[':@'] ?? {}) as Record<string, string>;
      for (const [k, v] of Object.entries(a)) {
        const ln = localName(k);
        if (ln === 'href' && !String(v).startsWith('#'))
          seen.add(`it references an external resource ("${v}")`);
        if (ln.startsWith('on')) seen.add(`it has an event handler attribute (${k})`);
        if (/url\(\s*['"]?(?!#)/i.test(String(v))) seen.add(`it references an external resource in ${k}`);
      }
      const kids = n[tag];
      // CSS in a <style> element reaches out just like an attribute: @import, url(...)
      if (name === 'style' && Array.isArray(kids)) {
        const css = (kids as Node[]).map((k) => String(k['#text'] ?? k['#cdata'] ?? '')).join('');
        if (/@import|url\(\s*['"]?(?!#)/i.test(css))
          seen.add('it references an external resource in <style>');
      }
      if (Array.isArray(kids)) walk(kids as Node[]);
    }
  };
  walk([root]);
  problems.push(...seen);
  const vb = (attrs.viewBox ?? '')
    .trim()
    .split(/[\s,]+/)
    .map(Number);
  let w = Number.NaN;
  let h = Number.NaN;
  if (vb.length === 4 && vb.every(Number.isFinite)) [, , w, h] = vb as [number, number, number, number];
  else if (attrs.width && attrs.height)
    [w, h] = [Number.parseFloat(attrs.width), Number.parseFloat(attrs.height)];
  if (Number.isFinite(w) && Number.isFinite(h)) {
    if (Math.abs(w - h) > 1e-9) problems.push(`it is not square (${w} × ${h})`);
  } else problems.push('it has no viewBox to tell its aspect ratio');
  return problems;
}
