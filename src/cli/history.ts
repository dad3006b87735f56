import path from 'node:path';
import { Option, type Command } from 'commander';
import { resolveRunConfig } from '../config/config.js';
import { InputError } from '../errors.js';
import { historyFileFor, readHistory } from '../history/history.js';
import { formatHistory } from '../history/trend.js';
import { positiveInt } from './options.js';

interface HistoryFlags {
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
    .addOption(new Option('--format <format>', 'a table with sparklines, or the records as JSON').choices(['table', 'json']).default('table'))
    .action((flags: HistoryFlags) => {
      const cwd = process.cwd();
      const file = flags.file ? path.resolve(cwd, flags.file) : historyFileFor(resolveRunConfig(cwd, { out: flags.out }, flags.config).out);
      const records = readHistory(file, (line, reason) => process.stderr.write(`warning: ${file}:${line}: skipped (${reason})\n`));
      if (flags.format === 'json') {
        process.stdout.write(`${JSON.stringify(records.slice(-flags.last), null, 2)}\n`);
        return;
      }
      const known = new Set(records.flatMap((r) => r.promptSets.flatMap((s) => Object.keys(s.metrics))));
      if (records.length > 0 && !known.has(flags.metric)) {
        throw new InputError(`--metric ${flags.metric}: no run in ${file} has it; recorded metrics: ${[...known].join(', ')}`);
      }
      process.stdout.write(`${formatHistory(records, { metric: flags.metric, last: flags.last, promptSets: flags.promptSet })}\n`);
    });
}
