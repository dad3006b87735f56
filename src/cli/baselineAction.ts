import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { serializeBaseline, toBaselineFile } from '../compare/baseline.js';
import { displayFile } from '../compare/format.js';
import { percent } from '../util/format.js';
import { findLatestResults, loadRunSummary } from '../compare/load.js';
import type { RunSummary } from '../compare/summary.js';
import { resolveRunConfig } from '../config/config.js';
import { writeFileAtomically } from '../util/atomicWrite.js';
import type { SaveFlags } from './baseline.js';

/** `bench baseline save`. */
export async function saveBaseline(flags: SaveFlags): Promise<void> {
  const cwd = process.cwd();
  const from = flags.from ?? findLatestResults(resolveRunConfig(cwd, { out: flags.out }, flags.config).out);
  const summary = portable(loadRunSummary(from), cwd);
  const to = path.resolve(cwd, flags.to ?? path.join('baselines', `${safeName(summary.dataset.name)}.json`));
  mkdirSync(path.dirname(to), { recursive: true });
  await writeFileAtomically(to, serializeBaseline(toBaselineFile(summary)));
  const metrics = summary.promptSets.map((s) => `${s.name} ${percent(s.metrics.acc1 ?? 0)}`).join(', ');
  process.stdout.write(
    `baseline saved: ${displayFile(to, cwd)}\n  from run ${summary.origin.runId} (${displayFile(from, cwd)}), ${summary.items.length} images; acc1: ${metrics}\n` +
      `  commit it, then: bench check --baseline ${displayFile(to, cwd)}\n`,
  );
}

/** Prompt file paths relative to the working folder, so the committed file is the same on every machine. */
function portable(summary: RunSummary, cwd: string): RunSummary {
  const relative = (file: string): string =>
    path.isAbsolute(file) && !path.relative(cwd, file).startsWith('..') ? path.relative(cwd, file) : file;
  return { ...summary, promptSets: summary.promptSets.map((set) => ({ ...set, file: relative(set.file) })) };
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'baseline';
}
