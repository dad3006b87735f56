import type { Command } from 'commander';

export interface SaveFlags {
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
    // Imported on use, so other commands start without loading it.
    .action(async (flags: SaveFlags) => (await import('./baselineAction.js')).saveBaseline(flags));
}
