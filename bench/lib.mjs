// What the bench scripts share: where the repository is, the demo model, and how to run the built
// CLI (bin/bench.js → dist/) as a child process, time it and read the results.json it wrote.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: every script runs the CLI from here and resolves its paths against it. */
export const root = fileURLToPath(new URL('..', import.meta.url));

/** The model bench.config.json names (the demo model): the default --model of several scripts. */
export function configModel() {
  return JSON.parse(readFileSync(path.join(root, 'bench.config.json'), 'utf8')).model;
}

/** The middle value of `xs` (the upper one of an even count). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Runs `node [nodeArgs] bin/bench.js args` from the repository root with CI=1 (and `env`), through
 * `wrapper` when given (e.g. /usr/bin/time), and times it from start to exit. A run that does not
 * exit 0 throws, naming it `what` and showing its stderr.
 */
export function runBench(args, { nodeArgs = [], env = {}, wrapper = [], what = `bench ${args.join(' ')}` } = {}) {
  const [command, ...rest] = [...wrapper, process.execPath, ...nodeArgs, 'bin/bench.js', ...args];
  const started = process.hrtime.bigint();
  const child = spawnSync(command, rest, { cwd: root, encoding: 'utf8', env: { ...process.env, CI: '1', ...env } });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0) throw new Error(`${what} failed (exit ${child.status}):\n${child.stderr}`);
  return { seconds, stdout: child.stdout, stderr: child.stderr };
}

/**
 * `bench run` arguments for `prompts` on the first `limit` Fashion-MNIST test images with `model`,
 * the embedding cache in `cacheDir`, the run written under `out` (always the last argument).
 */
export function fashionRunArgs({ prompts, limit, model, cacheDir, out }) {
  return [
    'run',
    '--prompts',
    ...prompts,
    '--dataset',
    'fashion-mnist',
    '--limit',
    String(limit),
    '--model',
    model,
    '--cache-dir',
    cacheDir,
    '--out',
    out,
  ];
}

/** The results.json of the one run under an --out folder (which also holds history.jsonl). */
export function readResults(out) {
  const [runId] = readdirSync(out, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
  return JSON.parse(readFileSync(path.join(out, runId, 'results.json'), 'utf8'));
}
