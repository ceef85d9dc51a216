/**
 * Charts of the HTML report: Vega-Lite specifications compiled to Vega and rendered to SVG in
 * Node (`View.toSVG()`, no canvas, no browser) at report time. The data are the report's own
 * numbers; each mark carries a description (its aria-label) naming the key and the figure, so a
 * test can read the numbers back from the SVG and compare them with the JSON.
 *
 * Hostile text (issuer and provider names) only ever travels as data values: never inside a
 * Vega expression, a format string or a spec property. Vega escapes text and attribute values
 * when it writes SVG; `assertSafeSvg` checks the result anyway (elements and attributes from an
 * allow-list, no event handler, no reference) before the SVG is put into the page.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Loader } from 'vega';
import type { TopLevelSpec } from 'vega-lite';

/** one segment of a horizontal stacked bar */
export interface BarSegment {
  /** the bar (a key's label, or a share list entry's name) */
  readonly row: string;
  readonly rowOrder: number;
  readonly segment: string;
  readonly segmentOrder: number;
  readonly count: number;
  /** the mark's aria-label: `<key>: <count> of <denominator> (<percent> %)` */
  readonly description: string;
}

export interface SegmentStyle {
  readonly name: string;
  readonly colour: string;
}

/** one point of a trend line */
export interface TrendDatum {
  readonly scan: string;
  readonly order: number;
  readonly series: string;
  readonly percent: number;
  readonly description: string;
}

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';

const CONFIG = {
  font: FONT,
  background: 'transparent',
  view: { stroke: null },
  axis: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 320 },
  legend: { labelFontSize: 12, orient: 'bottom', title: null, symbolType: 'square', labelLimit: 260 },
  bar: { stroke: null },
} as const;

/** A 100 % stacked horizontal bar chart: one bar per row, segments in the given order and colours. */
export function stackedBarSpec(
  values: readonly BarSegment[],
  segments: readonly SegmentStyle[],
): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 520,
    height: { step: 26 },
    data: { values: values as unknown as Record<string, unknown>[] },
    mark: { type: 'bar' },
    encoding: {
      y: {
        field: 'row',
        type: 'nominal',
        sort: { field: 'rowOrder', op: 'min', order: 'ascending' },
        title: null,
      },
      x: {
        field: 'count',
        type: 'quantitative',
        stack: 'normalize',
        title: 'share of the denominator',
        axis: { format: '.0%', tickCount: 5 },
      },
      color: {
        field: 'segment',
        type: 'nominal',
        scale: { domain: segments.map((s) => s.name), range: segments.map((s) => s.colour) },
      },
      order: { field: 'segmentOrder', type: 'quantitative' },
      description: { field: 'description', type: 'nominal' },
    },
    config: CONFIG,
  };
}

/** A ranked bar chart of a share list (percent of the list's denominator). */
export function shareBarSpec(
  values: readonly { name: string; order: number; percent: number; description: string }[],
  axisTitle: string,
): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 520,
    height: { step: 22 },
    data: { values: values as unknown as Record<string, unknown>[] },
    mark: { type: 'bar', color: '#4c78a8' },
    encoding: {
      y: {
        field: 'name',
        type: 'nominal',
        sort: { field: 'order', op: 'min', order: 'ascending' },
        title: null,
      },
      x: { field: 'percent', type: 'quantitative', title: axisTitle, scale: { domain: [0, 100] } },
      description: { field: 'description', type: 'nominal' },
    },
    config: CONFIG,
  };
}

/** Percent over the scans of a trend, one line per key. */
export function trendSpec(values: readonly TrendDatum[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 520,
    height: 160,
    data: { values: values as unknown as Record<string, unknown>[] },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'scan',
        type: 'ordinal',
        sort: { field: 'order', op: 'min', order: 'ascending' },
        title: null,
      },
      y: { field: 'percent', type: 'quantitative', title: '%' },
      color: { field: 'series', type: 'nominal' },
      description: { field: 'description', type: 'nominal' },
    },
    config: CONFIG,
  };
}

/** one bar segment of a volume chart: messages of a period in one class (pass / fail) */
export interface VolumeDatum {
  readonly period: string;
  readonly order: number;
  readonly segment: string;
  readonly segmentOrder: number;
  readonly count: number;
  readonly description: string;
}

/**
 * Messages per period as stacked columns (e.g. DMARC pass and fail per day), in the given
 * segment order and colours (the dashboard's reports page).
 */
export function volumeSpec(values: readonly VolumeDatum[], segments: readonly SegmentStyle[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 520,
    height: 180,
    data: { values: values as unknown as Record<string, unknown>[] },
    mark: { type: 'bar' },
    encoding: {
      x: {
        field: 'period',
        type: 'ordinal',
        sort: { field: 'order', op: 'min', order: 'ascending' },
        title: null,
        axis: { labelAngle: -40 },
      },
      y: { field: 'count', type: 'quantitative', stack: 'zero', title: 'messages' },
      color: {
        field: 'segment',
        type: 'nominal',
        scale: { domain: segments.map((s) => s.name), range: segments.map((s) => s.colour) },
      },
      order: { field: 'segmentOrder', type: 'quantitative' },
      description: { field: 'description', type: 'nominal' },
    },
    config: CONFIG,
  };
}

/**
 * A loader that loads nothing: the report's charts never fetch data, images or fonts. Vega
 * logs a failed load and draws on, so every attempt is also recorded, and renderSvg fails.
 */
function noLoader(attempts: string[]): Loader {
  const refuse = (what: string) => {
    attempts.push(what);
    return Promise.reject(new Error(`the report's charts load nothing (${what})`));
  };
  return {
    load: (uri: string) => refuse(uri),
    sanitize: (uri: string) => refuse(uri),
    http: (uri: string) => refuse(uri),
    file: (name: string) => refuse(name),
  };
}

let modules: Promise<[typeof import('vega'), typeof import('vega-lite')]> | undefined;

/** Compiles a Vega-Lite spec and renders it to an SVG string (headless, no canvas). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  modules ??= Promise.all([import('vega'), import('vega-lite')]);
  const [vega, vl] = await modules;
  const compiled = vl.compile(spec).spec;
  const attempts: string[] = [];
  const view = new vega.View(vega.parse(compiled), {
    renderer: 'none',
    loader: noLoader(attempts),
    logLevel: vega.None,
  });
  try {
    const svg = await view.toSVG();
    if (attempts.length)
      throw new Error(`the report's charts load nothing (a chart asked for ${attempts.join(', ')})`);
    assertSafeSvg(svg);
    return svg;
  } finally {
    view.finalize();
  }
}

const SVG_ELEMENTS = new Set([
  'svg',
  'g',
  'path',
  'rect',
  'line',
  'text',
  'tspan',
  'circle',
  'ellipse',
  'polygon',
  'polyline',
  'defs',
  'clipPath',
  'title',
  'desc',
]);
const SVG_ATTRIBUTES = new Set([
  'xmlns',
  'xmlns:xlink',
  'version',
  'class',
  'width',
  'height',
  'viewBox',
  'x',
  'y',
  'x1',
  'x2',
  'y1',
  'y2',
  'cx',
  'cy',
  'r',
  'rx',
  'ry',
  'd',
  'points',
  'transform',
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-miterlimit',
  'stroke-dasharray',
  'stroke-dashoffset',
  'stroke-linecap',
  'stroke-linejoin',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'font-variant',
  'text-anchor',
  'dominant-baseline',
  'alignment-baseline',
  'pointer-events',
  'display',
  'role',
  'aria-label',
  'aria-hidden',
  'aria-roledescription',
  'id',
  'clip-path',
  'dx',
  'dy',
]);

/**
 * Throws unless the SVG is well-formed and made only of drawing elements and presentation
 * attributes: no script, foreignObject, image, link or style element, no event handler, no
 * href, no url() reference other than a local clip path.
 */
export function assertSafeSvg(svg: string): void {
  const valid = XMLValidator.validate(svg);
  if (valid !== true) throw new Error(`chart SVG is not well-formed: ${valid.err.msg}`);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    preserveOrder: true,
    processEntities: false,
    allowBooleanAttributes: false,
  });
  const walk = (nodes: unknown[]) => {
    for (const node of nodes as Record<string, unknown>[]) {
      for (const [name, value] of Object.entries(node)) {
        if (name === '#text') continue;
        if (name === ':@') {
          for (const [attr, v] of Object.entries(value as Record<string, string>)) {
            if (!SVG_ATTRIBUTES.has(attr)) throw new Error(`chart SVG has the attribute ${attr}`);
            if (/url\s*\(/i.test(v) && !(attr === 'clip-path' && /^url\(#[\w-]+\)$/.test(v)))
              throw new Error(`chart SVG attribute ${attr} references ${v}`);
          }
          continue;
        }
        if (!SVG_ELEMENTS.has(name)) throw new Error(`chart SVG has the element <${name}>`);
        walk(value as unknown[]);
      }
    }
  };
  walk(parser.parse(svg) as unknown[]);
}
