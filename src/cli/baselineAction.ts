import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { serializeBaseline, serializeBaselineSet, toBaselineFile } from '../compare/baseline.js';
import { displayFile } from '../compare/format.js';
import { percent } from '../util/format.js';
import { findLatestResults, loadRunSummaries } from '../compare/load.js';
import type { RunSummary } from '../compare/summary.js';
import { resolveRunConfig } from '../config/config.js';
import { writeFileAtomically } from '../util/atomicWrite.js';
import type { SaveFlags } from './baseline.js';

/** `bench baseline save`. */
export async function saveBaseline(flags: SaveFlags): Promise<void> {
  const cwd = process.cwd();
  const from = flags.from ?? findLatestResults(resolveRunConfig(cwd, { out: flags.out }, flags.config).out);
  const models = loadRunSummaries(from).map(({ key, summary }) => ({ key, summary: portable(summary, cwd) }));
  const first = models[0]!.summary;
  const to = path.resolve(cwd, flags.to ?? path.join('baselines', `${safeName(first.dataset.name)}.json`));
  mkdirSync(path.dirname(to), { recursive: true });
  const text =
    models.length === 1
      ? serializeBaseline(toBaselineFile(first))
      : serializeBaselineSet(models.map(({ key, summary }) => ({ key, baseline: toBaselineFile(summary) })));
  await writeFileAtomically(to, text);
  const metrics = models
    .flatMap(({ key, summary }) =>
      summary.promptSets.map((s) => `${models.length > 1 ? `${key} · ` : ''}${s.name} ${percent(s.metrics.acc1 ?? 0)}`),
    )
    .join(', ');
  process.stdout.write(
    `baseline saved: ${displayFile(to, cwd)}\n  from run ${first.origin.runId} (${displayFile(from, cwd)}), ${first.items.length} images; acc1: ${metrics}\n` +
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
