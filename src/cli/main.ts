import { Command, CommanderError } from 'commander';
// cachedCompute.js, not the cache's index: the index opens SQLite, which `bench --version` must not load.
import { InterruptedError } from '../cache/cachedCompute.js';
import { InputError } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { registerBaseline } from './baseline.js';
import { registerCache } from './cache.js';
import { registerCheck } from './check.js';
import { registerCompare } from './compare.js';
import { registerDoctor } from './doctor.js';
import { registerHistory } from './history.js';
import { registerLabel } from './label.js';
import { registerPreview } from './preview.js';
import { registerReport } from './report.js';
import { registerRun } from './run.js';
import { registerSelect } from './select.js';
import { registerSuite } from './suite.js';
import { registerTokenize } from './tokenize.js';
import { registerVectorIndex } from './vectorIndex.js';
import { registerSearch } from './search.js';

export const EXIT_OK = 0;
export const EXIT_RUN_FAILED = 1;
export const EXIT_USAGE = 2;
/** The shell's convention for a run stopped by Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

/**
 * Runs the CLI and returns the exit code: 0 ok, 1 run failed, 2 usage or input error.
 *
 * Start-up cost matters (`bench --version`, `--help`, and a warm run that is mostly start-up): the
 * modules imported here and by the register* functions define options only, and each command's
 * action module (<command>Action.ts) with its dependencies is imported when that command runs.
 * test/timings.test.ts fails if transformers.js, onnxruntime, sharp or vega load for --version/--help.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('bench')
    .description('Zero-shot benchmarks for CLIP-family models: how much does the wording of a prompt matter?')
    .version(TOOL_VERSION)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  let exitCode = EXIT_OK;
  const setExit = (code: number): void => {
    exitCode = Math.max(exitCode, code);
  };
  registerRun(program, setExit);
  registerLabel(program);
  registerSelect(program);
  registerSuite(program);
  registerTokenize(program);
  registerPreview(program);
  registerCache(program);
  registerCompare(program);
  registerCheck(program, setExit);
  registerBaseline(program);
  registerHistory(program);
  registerReport(program);
  registerDoctor(program);
  registerVectorIndex(program);
  registerSearch(program);
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander already printed the message; help and version are not failures.
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (error instanceof InterruptedError) {
    process.stderr.write(`${error.message}\n`);
    return EXIT_INTERRUPTED;
  }
  if (error instanceof InputError) {
    process.stderr.write(`error: ${error.message}\n`);
    return EXIT_USAGE;
  }
  // A stack helps us, not the user; CLIPBENCH_DEBUG=1 shows it.
  const detail = error instanceof Error ? (process.env.CLIPBENCH_DEBUG ? (error.stack ?? error.message) : error.message) : String(error);
  process.stderr.write(`bench: run failed: ${detail}\n`);
  return EXIT_RUN_FAILED;
}
