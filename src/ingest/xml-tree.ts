/**
 * The XML of aggregate reports as a plain tree: an element is an object of its children by local
 * name (a repeated child becomes an array), a text-only element its trimmed text; attributes,
 * declarations, comments and namespace prefixes are dropped and entities are left as written —
 * the tree fast-xml-parser gives with the options below, which the report readers take.
 *
 * Two readers, one result. Most reports are plain, well-formed XML: saxes (a strict, streaming
 * XML 1.0 parser) reads those about five times faster than fast-xml-parser. It is used only where
 * its tree is provably the same: the text holds no `&` (saxes would expand the five entities,
 * fast-xml-parser keeps them), no CDATA, no comment or processing instruction inside the root, no
 * element with both text and children, no line break inside a value of a CR LF document (saxes
 * normalises line ends), nesting within fast-xml-parser's 100 levels, plain names. Anything else,
 * and whatever saxes finds not well-formed, goes to fast-xml-parser, which is lenient about what
 * receivers really send and throws what the callers report. Entity expansion is off in both; a
 * DOCTYPE never reaches here (the callers refuse it first) and would go to fast-xml-parser, which
 * does not expand it either (`processEntities: false`).
 */
import { createRequire } from 'node:module';
import type { XMLParser } from 'fast-xml-parser';
import { SaxesParser } from 'saxes';

export type XmlNode = Record<string, unknown>;

let lenientParser: XMLParser | undefined;
/** fast-xml-parser, loaded on first use (its one-file CommonJS build: most runs never need it) */
function lenient(): XMLParser {
  if (!lenientParser) {
    const { XMLParser: Parser } = createRequire(import.meta.url)(
      'fast-xml-parser',
    ) as typeof import('fast-xml-parser');
    lenientParser = new Parser({
      ignoreAttributes: true,
      removeNSPrefix: true,
      processEntities: false,
      htmlEntities: false,
      parseTagValue: false,
      trimValues: true,
      ignoreDeclaration: true,
      ignorePiTags: true,
    });
  }
  return lenientParser;
}

/** fast-xml-parser's nesting limit (`maxNestedTags`): deeper documents go to it, and it says so */
const MAX_DEPTH = 100;
/** prefix:local or local, as fast-xml-parser's removeNSPrefix reads it; `xmlns:` tags excluded */
const PLAIN_NAME = /^(?!xmlns:)(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)$/;
/** names fast-xml-parser renames or refuses (prototype pollution guards) */
const RESERVED = new Set([
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
]);

/** tag name → local name (null: not plain), for the few names reports use */
const names = new Map<string, string | null>();
function localName(tag: string): string | null {
  let n = names.get(tag);
  if (n === undefined) {
    const m = PLAIN_NAME.exec(tag);
    n = m && !RESERVED.has(m[1] as string) ? (m[1] as string) : null;
    if (names.size < 1000) names.set(tag, n);
  }
  return n;
}

class NotPlain extends Error {}

/** an XML 1.0 declaration at the start */
const DECLARATION = /^\s*<\?xml\s+version\s*=\s*(["'])1\.0\1[^<>?]*\?>/;

interface Open {
  readonly name: string;
  readonly node: XmlNode;
  text: string;
  kids: boolean;
}

/** The strict reader: the tree, or undefined when the text is not plain (see the module comment). */
class StrictReader {
  private parser = this.create();
  private stack: Open[] = [];
  private crlf = false;

  private create(): SaxesParser {
    const p = new SaxesParser({ position: false, xmlns: false });
    const notPlain = () => {
      throw new NotPlain();
    };
    // only the handlers needed: each one set is a property added to the parser, and a few more
    // turn it into a dictionary-mode object that reads five times slower
    p.on('error', notPlain);
    p.on('opentag', (tag) => {
      const name = localName(tag.name);
      if (name === null || this.stack.length > MAX_DEPTH) notPlain();
      (this.stack[this.stack.length - 1] as Open).kids = true;
      this.stack.push({ name: name as string, node: {}, text: '', kids: false });
    });
    p.on('text', (t) => {
      (this.stack[this.stack.length - 1] as Open).text += t;
    });
    p.on('closetag', () => {
      const me = this.stack.pop() as Open;
      const parent = this.stack[this.stack.length - 1] as Open;
      let value: unknown;
      if (me.kids) {
        if (me.text.trim() !== '') notPlain();
        value = me.node;
      } else {
        const t = me.text.trim();
        if (this.crlf && t.includes('\n')) notPlain();
        value = t;
      }
      const cur = parent.node[me.name];
      if (cur === undefined) parent.node[me.name] = value;
      else if (Array.isArray(cur)) cur.push(value);
      else parent.node[me.name] = [cur, value];
    });
    return p;
  }

  read(text: string): XmlNode | undefined {
    if (text.includes('&')) return undefined;
    // a declaration other than XML 1.0's, a comment, processing instruction, CDATA section or
    // DOCTYPE: left to the lenient reader
    const decl = DECLARATION.exec(text);
    const rest = decl ? text.slice(decl[0].length) : text;
    if (rest.includes('<!') || rest.includes('<?')) return undefined;
    this.crlf = text.includes('\r');
    const root: Open = { name: '', node: {}, text: '', kids: false };
    this.stack = [root];
    try {
      this.parser.write(text);
      this.parser.close();
    } catch (e) {
      if (!(e instanceof NotPlain)) throw e;
      // the parser stopped midway: a fresh one for the next document
      this.parser = this.create();
      return undefined;
    }
    return root.node;
  }
}

const strict = new StrictReader();

/** The tree of an XML text; throws (fast-xml-parser's error) when even the lenient reader cannot read it. */
export function parseXml(text: string): XmlNode {
  return strict.read(text) ?? (lenient().parse(text) as XmlNode);
}

/** fast-xml-parser's tree alone (for tests comparing the two readers). */
export function parseXmlLenient(text: string): XmlNode {
  return lenient().parse(text) as XmlNode;
}

/** the strict reader alone: undefined where the lenient one is used (for tests) */
export function parseXmlStrict(text: string): XmlNode | undefined {
  return strict.read(text);
}
