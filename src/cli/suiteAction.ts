import path from 'node:path';
import { leaderboardMarkdown } from '../suite/leaderboard.js';
import { benchSuite } from '../suite/runSuite.js';
import { withInterrupt } from './interrupt.js';
import type { SuiteFlags } from './suite.js';

/** `bench suite`: runs each dataset in turn (each prints nothing but its progress), then prints the leaderboard. */
export async function suiteCommand(file: string, flags: SuiteFlags): Promise<void> {
  const cwd = process.cwd();
  const { result, dir, files } = await withInterrupt((signal) =>
    benchSuite(
      {
        suiteFile: file,
        cwd,
        configFile: flags.config,
        out: flags.out,
        onDataset: (name, index, count) => process.stderr.write(`suite: dataset ${index + 1} of ${count}: ${name}\n`),
      },
      { signal, onWarning: (message) => process.stderr.write(`warning: ${message}\n`) },
    ),
  );
  const shown = (p: string): string => (path.relative(cwd, p).startsWith('..') ? p : path.relative(cwd, p));
  process.stdout.write(`${leaderboardMarkdown(result)}\n`);
  process.stdout.write(
    `suite: ${shown(dir)} (${(result.durationMs / 1000).toFixed(1)} s)\nleaderboard: ${shown(files.html)}, ${shown(files.csv)}, ${shown(files.markdown)}\nresults: ${shown(files.json)}\n`,
  );
}
