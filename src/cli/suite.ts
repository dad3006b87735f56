import type { Command } from 'commander';

export interface SuiteFlags {
  readonly out?: string;
  readonly config?: string;
  readonly cacheDir?: string;
}

export function registerSuite(program: Command): void {
  program
    .command('suite')
    .description('run datasets × models × prompt files from a suite file and write a leaderboard (CSV, Markdown, HTML)')
    .argument('<suite.json>', 'the suite file (see README, "Suites")')
    .option('-o, --out <dir>', 'where the suite folder is written (default: "out" of bench.config.json, else reports/)')
    .option('-c, --config <file>', 'settings file (default: bench.config.json in the current folder)')
    .action(async (file: string, flags: SuiteFlags) => (await import('./suiteAction.js')).suiteCommand(file, flags));
}
