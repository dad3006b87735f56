import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Results } from '../src/results/schema.js';
import { correctness, flip, writeSyntheticRun, type SyntheticOptions } from './fixtures/stats/synthetic.js';
import { TINY_MODEL, bench, runDirs, smallFolderDataset, tempDir } from './helpers.js';

const reference = JSON.parse(readFileSync(new URL('./fixtures/stats/reference.json', import.meta.url), 'utf8')) as {
  mcnemar: { lost: number; gained: number; statsmodels: number }[];
};

/** McNemar's exact two-sided p, min(1, 2·P(X ≤ min(lost, gained))) for X ~ Bin(lost + gained, ½), in exact integers. */
function exactMcNemar(lost: number, gained: number): number {
  const n = BigInt(lost + gained);
  const m = BigInt(Math.min(lost, gained));
  let term = 1n; // C(n, 0)
  let tail = 0n;
  for (let k = 0n; k <= m; k++) {
    tail += term;
    term = (term * (n - k)) / (k + 1n);
  }
  const scale = 10n ** 18n;
  return Math.min(1, (2 * Number((tail * scale) / 2n ** n)) / 1e18);
}

describe('bench check on real runs of the tiny model', () => {
  const work = tempDir('check-real-');
  const out = path.join(work, 'reports');
  const cache = tempDir('cache-');
  let dataset: string;
  const run = (...prompts: string[]) =>
    bench(
      ['run', '--prompts', ...prompts, '--dataset', dataset, '--model', TINY_MODEL, '--out', out, '--cache-dir', cache, '--threads', '2'],
      { cwd: work },
    );
  const acc1Of = (stdout: string, set: string): number => Number(new RegExp(`^${set}\\s+\\d+\\s+(\\d+\\.\\d\\d)%`, 'm').exec(stdout)![1]);

  beforeAll(() => {
    dataset = smallFolderDataset(10, 10);
    writeFileSync(path.join(work, 'wording.hbs'), 'a photo of a {{label}}.\n');
    writeFileSync(path.join(work, 'other.hbs'), 'a {{upper label}} !!!\n');
  });

  it('passes an identical run and catches a worse prompt file (exit 1)', () => {
    const first = run('wording.hbs', 'other.hbs');
    expect(first.status).toBe(0);
    // The within-run paired comparison of prompt files sits under the run table.
    expect(first.stdout).toMatch(/best prompt file: \w+; paired on the same 100 images/);
    expect(first.stdout).toMatch(
      /^(wording|other)\s+-?\d+\.\d\d\s+\[[-+]?\d+\.\d\d, [-+]?\d+\.\d\d\]\s+\d\.\d{3}\s+\d+\/\d+\s+(within noise|significant)$/m,
    );
    const saved = bench(['baseline', 'save', '--out', out, '--to', 'baselines/main.json'], { cwd: work });
    expect(saved.status).toBe(0);
    expect(saved.stdout).toContain('baseline saved: baselines/main.json');

    expect(run('wording.hbs', 'other.hbs').status).toBe(0);
    const same = bench(['check', '--baseline', 'baselines/main.json', '--out', out], { cwd: work });
    expect(same.stderr).toContain('checking the newest run');
    expect(same.status).toBe(0);
    expect(same.stdout).toContain('check passed');

    // The model has random weights, so "worse" is whatever scores lower; this wording does on these images.
    writeFileSync(path.join(work, 'wording.hbs'), 'the {{lower label}}\n');
    const worse = run('wording.hbs', 'other.hbs');
    expect(acc1Of(worse.stdout, 'wording')).toBeLessThan(acc1Of(first.stdout, 'wording'));
    const caught = bench(['check', '--baseline', 'baselines/main.json', '--out', out], { cwd: work });
    expect(caught.status).toBe(1);
    expect(caught.stdout).toMatch(/^wording\s+acc1\s+\d+\.\d\d%\s+\d+\.\d\d%\s+-\d+\.\d\d\s.*FAIL$/m);
    expect(caught.stdout).toContain('check FAILED');
    expect(caught.stdout).toContain('note: prompt set "wording": its templates changed since the baseline');
    // On 100 images at chance level the fall may or may not be significant; the exit code of
    // --require-significance must follow McNemar's p, computed here from the two runs' own
    // results.json files, not read back from the tool.
    const runs = runDirs(out);
    expect(runs).toHaveLength(3);
    const top1 = (run: string): Map<string, boolean> => {
      const results = JSON.parse(readFileSync(path.join(out, run, 'results.json'), 'utf8')) as Results;
      return new Map(results.items.map((i) => [i.id, i.predictions['wording']![0]!.label === i.label]));
    };
    const before = top1(runs[0]!);
    const after = top1(runs[2]!);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const lost = [...before].filter(([id, right]) => right && !after.get(id)).length;
    const gained = [...before].filter(([id, right]) => !right && after.get(id)).length;
    expect(lost).toBeGreaterThan(gained);
    const p = exactMcNemar(lost, gained);
    const json = bench(['check', '--baseline', 'baselines/main.json', '--out', out, '--format', 'json'], { cwd: work });
    const row = (
      JSON.parse(json.stdout) as { rows: { promptSet: string; metric: string; pValue: number; lost: number; gained: number }[] }
    ).rows.find((r) => r.promptSet === 'wording' && r.metric === 'acc1')!;
    expect(row).toMatchObject({ lost, gained });
    expect(row.pValue).toBeCloseTo(p, 12);
    const lenient = bench(['check', '--baseline', 'baselines/main.json', '--out', out, '--require-significance'], { cwd: work });
    expect(lenient.status, `lost ${lost}, gained ${gained}, p = ${p}`).toBe(p < 0.05 ? 1 : 0);
    if (p >= 0.05)
      expect(lenient.stdout).toContain(
        `wording acc1: fell ${(acc1Of(first.stdout, 'wording') - acc1Of(worse.stdout, 'wording')).toFixed(2)} pts`,
      );
  });
});

describe('bench check on synthetic runs with drops of exact size', () => {
  const dir = tempDir('check-synth-');
  const base = correctness(1000, 700);
  const baseline = writeSyntheticRun(dir, { runId: '20250101-000000-base', sets: { basic: base, ensemble: base } });
  const current = (name: string, sets: Record<string, boolean[]>, extra: Partial<SyntheticOptions> = {}) =>
    writeSyntheticRun(path.join(dir, name), { runId: `20250102-000000-${name}`, sets, ...extra });

  it('passes an identical run', () => {
    const result = bench(['check', '--baseline', baseline, current('same', { basic: base, ensemble: base })]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^basic\s+acc1\s+70\.00%\s+70\.00%\s+0\.00\s+\[0\.00, 0\.00\]\s+1\.000\s+0\/0\s+0\s+PASS$/m);
  });

  it('fails a tiny, non-significant drop, and passes it with --require-significance or a limit', () => {
    const tiny = current('tiny', { basic: flip(base, 3, 1), ensemble: base });
    const strict = bench(['check', '--baseline', baseline, tiny]);
    expect(strict.status).toBe(1);
    expect(strict.stdout).toContain('basic acc1: fell 0.20 pts, more than the 0 allowed (McNemar p = 0.625)');
    const significant = bench(['check', '--baseline', baseline, tiny, '--require-significance']);
    expect(significant.status).toBe(0);
    expect(significant.stdout).toContain('check passed: no metric fell by more than its limit and significantly (5%)');
    expect(bench(['check', '--baseline', baseline, tiny, '--max-drop', 'acc1=0.5,acc5=0.5,mpcr=0.5']).status).toBe(0);
    expect(bench(['check', '--baseline', baseline, tiny, '--max-drop', 'acc1=0.1,acc5=off,mpcr=off']).status).toBe(1);
  });

  it('fails a significant drop even with --require-significance, with the reference McNemar p', () => {
    const drop = current('drop', { basic: flip(base, 25, 10), ensemble: base });
    const result = bench(['check', '--baseline', baseline, drop, '--require-significance', '--format', 'json']);
    expect(result.status).toBe(1);
    const json = JSON.parse(result.stdout) as {
      passed: boolean;
      rows: { promptSet: string; metric: string; pValue: number; lost: number; gained: number; status: string; deltaPoints: number }[];
    };
    expect(json.passed).toBe(false);
    const row = json.rows.find((r) => r.promptSet === 'basic' && r.metric === 'acc1')!;
    expect(row).toMatchObject({ lost: 25, gained: 10, status: 'fail' });
    expect(row.deltaPoints).toBeCloseTo(-1.5, 10);
    const expected = reference.mcnemar.find((m) => m.lost === 25 && m.gained === 10)!.statsmodels;
    expect(Math.abs(row.pValue - expected)).toBeLessThan(1e-9 * expected);
  });

  it('exits 2 with counts and examples when the images differ', () => {
    const ids = Array.from({ length: 1000 }, (_, i) =>
      i < 2 ? `new/${i}.png` : `${['ant', 'bee', 'cat', 'dog', 'eel', 'fox'][i % 6]}/${String(i).padStart(5, '0')}.png`,
    );
    const result = bench(['check', '--baseline', baseline, current('items', { basic: base, ensemble: base }, { ids })]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('cannot compare: the runs scored different images (baseline 1000, current 1000, 998 in both).');
    expect(result.stderr).toContain('only in the baseline: 2, e.g. ant/00000.png, bee/00001.png');
    expect(result.stderr).toContain('only in the current run: 2, e.g. new/0.png, new/1.png');
    expect(result.stdout).toBe('');
  });

  it('exits 2 on another model or dataset unless --allow-model-change', () => {
    const otherModel = current('model', { basic: base, ensemble: base }, { weights: 'c'.repeat(64) });
    const refused = bench(['check', '--baseline', baseline, otherModel]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/cannot compare: the model differs: baseline mini \(fp32, weights [0-9a-f]{8}\), current mini/);
    expect(refused.stderr).toContain('--allow-model-change');
    const allowed = bench(['check', '--baseline', baseline, otherModel, '--allow-model-change']);
    expect(allowed.status).toBe(0);
    expect(allowed.stdout).toContain('model     CHANGED (allowed): the model differs');
    const otherData = bench(['compare', baseline, current('data', { basic: base, ensemble: base }, { datasetName: 'other' })]);
    expect(otherData.status).toBe(2);
    expect(otherData.stderr).toContain('the dataset differs: baseline "synthetic", current "other"');
  });

  it('check needs every baseline prompt set; compare notes the missing ones', () => {
    const partial = current('partial', { basic: base, extra: base });
    const check = bench(['check', '--baseline', baseline, partial]);
    expect(check.status).toBe(2);
    expect(check.stderr).toContain('prompt set(s) "ensemble" are in the baseline but not in');
    const compare = bench(['compare', baseline, partial]);
    expect(compare.status).toBe(0);
    expect(compare.stdout).toContain('note: prompt set(s) in the baseline but not in this run: ensemble');
    expect(compare.stdout).toContain('note: new prompt set(s), not in the baseline (not checked): extra');
  });

  it('compare exits 0 on a drop and takes a baseline file on either side', () => {
    const saved = path.join(dir, 'baselines', 'synthetic.json');
    expect(bench(['baseline', 'save', '--from', baseline, '--to', saved]).status).toBe(0);
    const file = JSON.parse(readFileSync(saved, 'utf8')) as { kind: string; promptSets: { top1: string }[]; items: unknown[] };
    expect(file.kind).toBe('clipbench-baseline');
    expect(file.items).toHaveLength(1000);
    expect(file.promptSets[0]!.top1).toBe('1'.repeat(700) + '0'.repeat(300));
    expect(readFileSync(saved, 'utf8')).not.toContain('predictions');
    const drop = current('drop2', { basic: flip(base, 25, 10), ensemble: base });
    const forward = bench(['compare', saved, drop]);
    expect(forward.status).toBe(0);
    expect(forward.stdout).toMatch(/^basic\s+acc1\s+70\.00%\s+68\.50%\s+-1\.50\s/m);
    const backward = bench(['compare', drop, saved, '--format', 'json']);
    expect(backward.status).toBe(0);
    const row = (JSON.parse(backward.stdout) as { rows: { metric: string; deltaPoints: number; lost: number }[] }).rows[0]!;
    expect(row).toMatchObject({ metric: 'acc1', lost: 10 });
    expect(row.deltaPoints).toBeCloseTo(1.5, 10);
  });

  it('writes Markdown to stdout or appends it to a summary file, and JUnit to a file', () => {
    const drop = current('drop3', { basic: flip(base, 25, 10), ensemble: base });
    const summary = path.join(dir, 'summary.md');
    const junit = path.join(dir, 'junit', 'check.xml');
    const md = bench(['check', '--baseline', baseline, drop, '--format', 'md', '--summary', summary, '--junit', junit]);
    expect(md.status).toBe(1);
    expect(md.stdout).toContain('### ❌ ClipBench check failed');
    expect(md.stdout).toMatch(
      /^\| basic \| acc1 \| 70\.00% \| 68\.50% \| -1\.50 \| \[-\d\.\d\d, -\d\.\d\d\] \| 0\.017 \| 25 \/ 10 \| 0 \| ❌ fail \|$/m,
    );
    bench(['check', '--baseline', baseline, drop, '--summary', summary]);
    expect(readFileSync(summary, 'utf8').match(/### ❌ ClipBench check failed/g)).toHaveLength(2);
    expect(readFileSync(junit, 'utf8')).toContain('<failure message="acc1 fell 1.50 pts');
    const broken = path.join(dir, 'junit', 'broken.xml');
    const notComparable = bench([
      'check',
      '--baseline',
      baseline,
      current('data2', { basic: base }, { datasetName: 'other' }),
      '--junit',
      broken,
      '--summary',
      summary,
    ]);
    expect(notComparable.status).toBe(2);
    expect(readFileSync(broken, 'utf8')).toContain('<error message="cannot compare: the dataset differs');
    expect(readFileSync(summary, 'utf8')).toContain('### ⚠️ ClipBench check could not compare the runs');
  });

  it('reads the baseline and thresholds from bench.config.json, flags taking precedence', () => {
    const project = tempDir('check-config-');
    mkdirSync(path.join(project, 'baselines'));
    expect(bench(['baseline', 'save', '--from', baseline, '--to', 'baselines/b.json'], { cwd: project }).status).toBe(0);
    const config = { check: { baseline: 'baselines/b.json', maxDrop: { acc1: 0.5, acc5: 'off', mean_per_class_recall: null } } };
    writeFileSync(path.join(project, 'bench.config.json'), JSON.stringify(config));
    const tiny = current('tiny2', { basic: flip(base, 3, 1), ensemble: base });
    const passed = bench(['check', tiny], { cwd: project });
    expect(passed.status).toBe(0);
    expect(passed.stdout).toMatch(/^basic\s+acc5\s.*\soff\s+OFF$/m);
    expect(bench(['check', tiny, '--max-drop', 'acc1=0'], { cwd: project }).status).toBe(1);
    writeFileSync(path.join(project, 'bench.config.json'), JSON.stringify({ check: { maxDrop: { acc2: 1 } } }));
    const bad = bench(['check', '--baseline', 'baselines/b.json', tiny], { cwd: project });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown metric "acc2"');
  });

  it('exits 2 on usage errors', () => {
    const noBaseline = bench(['check', baseline], { cwd: tempDir() });
    expect(noBaseline.status).toBe(2);
    expect(noBaseline.stderr).toContain('no baseline: pass --baseline <file>');
    const noRuns = bench(['check', '--baseline', baseline, '--out', tempDir()]);
    expect(noRuns.status).toBe(2);
    expect(noRuns.stderr).toContain('no runs under');
    expect(bench(['check', '--baseline', baseline, baseline, '--max-drop', 'acc9=1']).stderr).toContain('unknown metric "acc9"');
    expect(bench(['check', '--baseline', baseline, baseline, '--resamples', '100']).stderr).toContain('at least 1000 resamples');
    const missing = bench(['compare', path.join(dir, 'nope.json'), baseline]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no such file');
    const notResults = path.join(dir, 'other.json');
    writeFileSync(notResults, '{"hello": 1}');
    expect(bench(['compare', notResults, baseline]).stderr).toContain('neither a results.json');
    expect(existsSync(path.join(dir, 'baselines'))).toBe(true);
  });
});
