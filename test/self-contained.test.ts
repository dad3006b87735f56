import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Results } from '../src/results/schema.js';
import { ROOT, runDirs, tempDir } from './helpers.js';

/** Tracked files, as a clone has them. */
function trackedFiles(): string[] {
  const result = spawnSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.split('\0').filter((f) => f !== '');
}

const hasGit = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: ROOT }).status === 0;

describe('a clone carries everything it reads', () => {
  it.runIf(hasGit)('no source, test, tool or CI file refers to a folder beside the repository', () => {
    const code = trackedFiles().filter(
      (f) => !f.endsWith('.md') && /\.(ts|mjs|js|py|sh|json)$|^\.ci\//.test(f) && !f.startsWith('test/reference/'),
    );
    expect(code.length).toBeGreaterThan(50);
    const outside = code.filter((f) => /\.\.\/shared|shared\/reference/.test(readFileSync(path.join(ROOT, f), 'utf8')));
    expect(outside).toEqual([]);
  });

  // The reference-dependent suites, run in a clone of HEAD with nothing beside it: a read outside
  // the repository fails there even when the developer's machine has the file.
  it.runIf(hasGit)(
    'the reference-data suites pass in a clone with nothing beside it',
    () => {
      const clone = path.join(tempDir('lonely-'), 'clipbench');
      const cloned = spawnSync('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone], { encoding: 'utf8' });
      expect(cloned.status, cloned.stderr).toBe(0);
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
      const suites = ['test/metrics.test.ts', 'test/tokenizer.test.ts', 'test/preprocess.test.ts'];
      const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', ...suites], {
        cwd: clone,
        encoding: 'utf8',
        env: { ...process.env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
      });
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(stripVTControlCharacters(run.stdout)).toMatch(/Test Files\s+3 passed \(3\)/);
    },
    120_000,
  );
});

describe('an install whose path has a space', () => {
  it('bench run from another folder finds the bundled model and data', () => {
    const pkg = path.join(tempDir('install-'), 'sp ace', 'clipbench');
    mkdirSync(pkg, { recursive: true });
    for (const part of ['bin', 'dist', 'models', 'datasets', 'prompts', 'package.json', 'bench.config.json']) {
      cpSync(path.join(ROOT, part), path.join(pkg, part), { recursive: true });
    }
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'));
    const elsewhere = tempDir('cwd-');
    const out = path.join(elsewhere, 'reports');
    const run = spawnSync(
      process.execPath,
      [
        path.join(pkg, 'bin/bench.js'),
        'run',
        '--prompts',
        path.join(pkg, 'prompts/basic.hbs'),
        '--limit',
        '20',
        '--cache-dir',
        path.join(elsewhere, 'cache'),
        '--out',
        out,
      ],
      { cwd: elsewhere, encoding: 'utf8', env: { ...process.env, CI: '1' } },
    );
    expect(run.status, run.stderr).toBe(0);
    const results = JSON.parse(readFileSync(path.join(out, runDirs(out)[0]!, 'results.json'), 'utf8')) as Results;
    expect(results.run.model.id).toBe(path.join(pkg, 'models/fashion-clip-mini'));
    expect(results.run.dataset.path).toBe(path.join(pkg, 'datasets/fashion-mnist-1k'));
    expect(results.items).toHaveLength(20);
    expect(existsSync(path.join(pkg, 'sp%20ace'))).toBe(false);
  });
});
