import { Option, type Command } from 'commander';
import { positiveInt } from './options.js';

export interface HistoryFlags {
  readonly metric: string;
  readonly last: number;
  readonly promptSet?: string[];
  readonly file?: string;
  readonly out?: string;
  readonly config?: string;
  readonly format: 'table' | 'json';
}

export function registerHistory(program: Command): void {
  program
    .command('history')
    .description('the trend of a metric over past runs (each `bench run` appends a line to <out>/history.jsonl)')
    .option('-m, --metric <name>', 'acc1, acc5, mean_per_class_recall, or a retrieval recall such as image_retrieval_recall@5', 'acc1')
    .option('-n, --last <n>', 'show the newest n runs', positiveInt, 20)
    .option('-p, --prompt-set <name...>', 'only these prompt sets')
    .option('--file <history.jsonl>', 'the history file (default: history.jsonl in --out)')
    .option('-o, --out <dir>', 'runs folder (default: "out" of bench.config.json, else reports/)')
    .option('-c, --config <file>', 'settings file (default: bench.config.json)')
    .addOption(
      new Option('--format <format>', 'a table with sparklines, or the records as JSON').choices(['table', 'json']).default('table'),
    )
    // Imported on use, so other commands start without loading it.
    .action(async (flags: HistoryFlags) => (await import('./historyAction.js')).historyCommand(flags));
}
