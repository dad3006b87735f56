/** Characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF). */
const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const TEXT_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const ATTRIBUTE_ESCAPES: Readonly<Record<string, string>> = {
  ...TEXT_ESCAPES,
  '"': '&quot;',
  "'": '&apos;',
  '\n': '&#10;',
  '\r': '&#13;',
  '\t': '&#9;',
};

/** Text content: invalid characters become U+FFFD so a stray control byte never breaks the file. */
export function escapeText(text: string): string {
  return text.replace(INVALID_XML, '\uFFFD').replace(/[&<>]/g, (ch) => TEXT_ESCAPES[ch]!);
}

/** Attribute values also keep newlines and tabs, which parsers would otherwise fold into spaces. */
export function escapeAttribute(text: string): string {
  return text.replace(INVALID_XML, '\uFFFD').replace(/[&<>"'\n\r\t]/g, (ch) => ATTRIBUTE_ESCAPES[ch]!);
}

export type Attributes = Readonly<Record<string, string | number>>;

/**
 * An element with escaped attributes and either escaped text or already-serialised child elements.
 * Children are not indented: that would add whitespace inside multi-line text content.
 */
export function element(name: string, attributes: Attributes, children: readonly string[] | string | null = null): string {
  const attrs = Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${escapeAttribute(String(value))}"`)
    .join('');
  if (children === null) return `<${name}${attrs}/>`;
  if (typeof children === 'string') return `<${name}${attrs}>${escapeText(children)}</${name}>`;
  if (children.length === 0) return `<${name}${attrs}></${name}>`;
  return [`<${name}${attrs}>`, ...children, `</${name}>`].join('\n');
}
