#!/usr/bin/env node
// Writes schemas/*.schema.json from the zod schemas in src/ (through dist/: build first, e.g.
// `npx tsc -p tsconfig.json`). test/schemas.test.ts fails when the committed files and the code
// disagree; rerun this then. Formatted as Prettier formats JSON, so `prettier --check` passes.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { publishedJsonSchemas } = await import(path.join(root, 'dist/schemas.js'));
const dir = path.join(root, 'schemas');
mkdirSync(dir, { recursive: true });
for (const { file, document } of publishedJsonSchemas()) {
  const target = path.join(dir, file);
  const options = (await prettier.resolveConfig(target)) ?? {};
  writeFileSync(target, await prettier.format(JSON.stringify(document), { ...options, filepath: target }));
  process.stdout.write(`schemas/${file}\n`);
}
