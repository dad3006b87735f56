import type { TopLevelSpec } from 'vega-lite';

type Engines = { readonly vega: typeof import('vega'); readonly vegaLite: typeof import('vega-lite') };

let engines: Promise<Engines> | undefined;

/** vega and vega-lite load in ~0.4 s; only a report pays for them, not every CLI command. */
function loadEngines(): Promise<Engines> {
  engines ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vegaLite]) => ({ vega, vegaLite }));
  return engines;
}

/**
 * Renders a vega-lite spec to an SVG string in Node, headless: vega's SVG renderer needs no
 * canvas, and a static SVG opens instantly in any browser without ~760 kB of chart libraries.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { vega, vegaLite } = await loadEngines();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return assertInert(await view.toSVG());
  } finally {
    view.finalize();
  }
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
