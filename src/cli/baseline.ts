import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { serializeBaseline, toBaselineFile } from '../compare/baseline.js';
import { displayFile, percent } from '../compare/format.js';
import { findLatestResults, loadRunSummary } from '../compare/load.js';
import type { RunSummary } from '../compare/summary.js';
import { resolveRunConfig } from '../config/config.js';

interface SaveFlags {
  readonly from?: string;
  readonly to?: string;
  readonly out?: string;
  readonly config?: string;
}

export function registerBaseline(program: Command): void {
  const baseline = program.command('baseline').description('compact baselines to commit and check runs against');
  baseline
    .command('save')
    .description('write a baseline (metrics and per-image correctness, no embeddings or predictions) from a run')
    .option('--from <results.json>', 'the run to keep (default: the newest run under --out)')
    .option('--to <file>', 'where to write it (default: baselines/<dataset name>.json)')
    .option('-o, --out <dir>', 'runs folder searched for the newest run (default: "out" of bench.config.json, else reports/)')
    .option('-c, --config <file>', 'settings file (default: bench.config.json)')
    .action((flags: SaveFlags) => {
      const cwd = process.cwd();
      const from = flags.from ?? findLatestResults(resolveRunConfig(cwd, { out: flags.out }, flags.config).out);
      const summary = portable(loadRunSummary(from), cwd);
      const to = path.resolve(cwd, flags.to ?? path.join('baselines', `${safeName(summary.dataset.name)}.json`));
      mkdirSync(path.dirname(to), { recursive: true });
      // Written beside and renamed, so a committed baseline is never left half-written.
      writeFileSync(`${to}.partial`, serializeBaseline(toBaselineFile(summary)));
      renameSync(`${to}.partial`, to);
      const metrics = summary.promptSets.map((s) => `${s.name} ${percent(s.metrics.acc1 ?? 0)}`).join(', ');
      process.stdout.write(
        `baseline saved: ${displayFile(to, cwd)}\n  from run ${summary.origin.runId} (${displayFile(from, cwd)}), ${summary.items.length} images; acc1: ${metrics}\n` +
          `  commit it, then: bench check --baseline ${displayFile(to, cwd)}\n`,
      );
    });
}

/** Prompt file paths relative to the working folder, so the committed file is the same on every machine. */
function portable(summary: RunSummary, cwd: string): RunSummary {
  const relative = (file: string): string => (path.isAbsolute(file) && !path.relative(cwd, file).startsWith('..') ? path.relative(cwd, file) : file);
  return { ...summary, promptSets: summary.promptSets.map((set) => ({ ...set, file: relative(set.file) })) };
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'baseline';
}
