/**
 * Compares strings by Unicode code point, the order Python's `sorted` gives (and so torchvision's
 * ImageFolder). JavaScript's default sort compares UTF-16 code units, which puts characters above
 * U+FFFF (surrogate pairs) before U+E000–U+FFFF; class indices must not depend on that quirk.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Moves surrogates above the rest of the BMP so code-unit order becomes code-point order. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

export function sortedCodePoints(values: Iterable<string>): string[] {
  return [...values].sort(compareCodePoints);
}
