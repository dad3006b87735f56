import path from 'node:path';
import { resolveRunConfig } from '../config/config.js';
import { InputError } from '../errors.js';
import { historyFileFor, readHistory } from '../history/history.js';
import { formatHistory } from '../history/trend.js';
import type { HistoryFlags } from './history.js';

/** `bench history`: a metric's trend over the runs recorded in history.jsonl. */
export function historyCommand(flags: HistoryFlags): void {
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
}
