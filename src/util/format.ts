/** The one place numbers and user text are formatted for terminals, Markdown and the report. */

/** 0.8765 → "87.65%"; null or undefined (acc5 with under 5 classes, say) → `missing`. */
export function percent(
  value: number | null | undefined,
  { digits = 2, missing = 'n/a' }: { digits?: number; missing?: string } = {},
): string {
  return value === null || value === undefined ? missing : `${(value * 100).toFixed(digits)}%`;
}

/** A proportion as signed percentage points; a value that rounds to zero prints unsigned. */
export function signedPoints(v: number, digits = 2): string {
  const text = Math.abs(v * 100).toFixed(digits);
  return Number(text) === 0 ? text : `${v > 0 ? '+' : '-'}${text}`;
}

/** Three decimals where they mean something, scientific notation below 0.001. */
export function formatP(p: number): string {
  if (p >= 0.001) return p.toFixed(3);
  return p === 0 ? '<1e-300' : p.toExponential(1);
}

/**
 * User text (labels, prompt file names) inside Markdown that a CI job posts as a comment. Escaped
 * for Markdown *and* HTML, since GitHub and GitLab render inline HTML in comments: a class called
 * `<img src=x>` stays text; a newline or `|` cannot break a table row.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_{}[\]|~#]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n/g, ' ');
}

/** A parameter count: 151.3 M, 237.9 k, 512; null (unreadable weights) → "n/a". */
export function parameterCount(n: number | null): string {
  if (n === null) return 'n/a';
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

/** Decimal megabytes, as file managers show them; null → "n/a". */
export function megabytes(bytes: number | null): string {
  return bytes === null ? 'n/a' : `${(bytes / 1e6).toFixed(1)} MB`;
}
