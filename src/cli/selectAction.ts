import path from 'node:path';
import { resolveRunConfig } from '../config/config.js';
import { formatSelection } from '../results/selectionTable.js';
import { benchSelect } from '../run/benchSelect.js';
import { withInterrupt } from './interrupt.js';
import type { SelectFlags } from './select.js';

/** `bench select`: chooses the ensemble, prints the held-out verdict, and says where the files went. */
export async function selectCommand(flags: SelectFlags): Promise<void> {
  const cwd = process.cwd();
  const { config: configFile, prompts, cache, maxTemplates, holdout, out, runs, ...settings } = flags;
  const config = resolveRunConfig(cwd, { ...settings, out: runs, cache: cache === false ? false : undefined }, configFile);
  const { selection, files } = await withInterrupt((signal) =>
    benchSelect(config, { poolFile: prompts!, maxTemplates, heldOut: holdout, outFile: out }, cwd, {
      signal,
      onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
    }),
  );
  const shown = (p: string): string => (path.relative(cwd, p).startsWith('..') ? p : path.relative(cwd, p));
  process.stdout.write(`${formatSelection(selection)}\n\n`);
  process.stdout.write(`selected templates: ${shown(files.hbs)}\ndetails: ${shown(files.json)}\n`);
  if (files.html !== undefined) process.stdout.write(`report: ${shown(files.html)}\n`);
}
