import type { TopLevelSpec } from 'vega-lite';

type Engines = { readonly vega: typeof import('vega'); readonly vegaLite: typeof import('vega-lite') };

let engines: Promise<Engines> | undefined;

/** vega and vega-lite load in ~0.4 s; only a report pays for them, not every CLI command. */
function loadEngines(): Promise<Engines> {
  engines ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vegaLite]) => ({ vega, vegaLite }));
  return engines;
}

/** Starts loading vega and vega-lite without rendering (a chart worker does this while the run works). */
export async function preloadChartEngines(): Promise<void> {
  await loadEngines();
}

/**
 * Renders a vega-lite spec to an SVG string in Node, headless: vega's SVG renderer needs no
 * canvas, and a static SVG opens instantly in any browser without ~760 kB of chart libraries.
 * `name` names the chart, unique in its page: the SVG's internal ids derive from it (see scopeIds).
 */
export async function renderSvg(spec: TopLevelSpec, name: string): Promise<string> {
  if (!CHART_NAME.test(name)) throw new Error(`chart name ${JSON.stringify(name)} cannot prefix an SVG id`);
  const { vega, vegaLite } = await loadEngines();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return assertInert(scopeIds(await view.toSVG(), name));
  } finally {
    view.finalize();
  }
}

const CHART_NAME = /^[a-z][a-z0-9-]*$/;
const TAG = /<[^>]+>/g;
/** vega escapes `<`, `>` and `"` inside values, so each `name="value"` in a tag is exactly one attribute. */
const ATTRIBUTE = /([^\s=]+)="([^"]*)"/g;
const REFERENCE = /^url\(#(.+)\)$/;

/**
 * vega numbers clip paths and gradients with counters global to the thread (clip7, gradient_3), so
 * a chart's ids depended on what that thread rendered before, and the same report came out
 * different from a worker, a second build in one process, or a different render order. Each id is
 * renumbered in order of appearance under the chart's name: the same spec gives the same bytes
 * anywhere, and the inline SVGs of one page still never share an id.
 */
export function scopeIds(svg: string, name: string): string {
  const ids = new Map<string, string>();
  for (const tag of svg.match(TAG) ?? []) {
    for (const [, attribute, value] of tag.matchAll(ATTRIBUTE)) {
      if (attribute === 'id' && value !== undefined && !ids.has(value)) ids.set(value, `${name}-${ids.size + 1}`);
    }
  }
  if (ids.size === 0) return svg;
  const renamed = (value: string): string | undefined => {
    const target = REFERENCE.exec(value)?.[1];
    return target === undefined ? undefined : ids.has(target) ? `url(#${ids.get(target)!})` : undefined;
  };
  return svg.replace(TAG, (tag) =>
    tag.replace(ATTRIBUTE, (whole, attribute: string, value: string) => {
      const next = attribute === 'id' ? ids.get(value) : renamed(value);
      return next === undefined ? whole : `${attribute}="${next}"`;
    }),
  );
}

const ACTIVE_ELEMENT = /<(script|foreignObject|iframe|object|embed|a|use|image)[\s>/]/i;
/** An attribute inside a tag (`<[^>]*` cannot reach past a tag's end, so escaped text never matches). */
const ACTIVE_ATTRIBUTE = /<[^>]*\s(on[a-z]+|href|xlink:href|src)\s*=/i;

/**
 * vega escapes text and attribute values, and the page's CSP would block a script anyway; this
 * check makes a change in either fail loudly at build time rather than ship a live element.
 */
export function assertInert(svg: string): string {
  const found = ACTIVE_ELEMENT.exec(svg) ?? ACTIVE_ATTRIBUTE.exec(svg);
  if (found !== null) throw new Error(`chart SVG contains an active element or attribute (${found[1]}); refusing to embed it`);
  return svg;
}
