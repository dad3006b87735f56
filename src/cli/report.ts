import type { Command } from 'commander';
import { nonNegativeInt } from './options.js';

export interface ReportFlags {
  readonly out?: string;
  readonly galleryLimit?: number;
  readonly dataset?: string;
  readonly config?: string;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('rebuild index.html, summary.md and metrics.csv from a results.json (or its run folder)')
    .argument('<results>', 'a results.json, or the run folder that holds it')
    .option('-o, --out <dir>', 'where to write the report (default: beside results.json)')
    .option('--gallery-limit <n>', 'at most n images in the gallery (default 200; 0 for none)', nonNegativeInt)
    .option(
      '-d, --dataset <path|name>',
      'where the images are now, if the dataset has moved since the run: its path or descriptor name (for a retrieval run: the images folder)',
    )
    .option('-c, --config <file>', 'settings file whose datasetsDir resolves a dataset name (default: bench.config.json)')
    // Imported on use, so other commands start without loading the report's dependencies.
    .action(async (target: string, flags: ReportFlags) => (await import('./reportAction.js')).reportCommand(target, flags));
}
