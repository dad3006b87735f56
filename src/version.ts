import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The package root: one level above src/ or dist/. fileURLToPath, not URL.pathname: the latter
 * keeps percent-escapes, so an install under "my models/" would resolve to "my%20models/".
 */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const TOOL_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;
