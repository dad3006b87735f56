import { readFileSync } from 'node:fs';

/** The package root: one level above src/ or dist/. */
export const PACKAGE_ROOT = new URL('..', import.meta.url).pathname;

export const TOOL_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
