import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, lstatSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendHistory, readHistory, type HistoryRecord } from '../src/history/history.js';
import { historyRecord } from '../src/history/record.js';
import { formatHistory } from '../src/history/trend.js';
import { correctness, syntheticResults } from './fixtures/stats/synthetic.js';
import { ROOT, bench, runDirs, smallFolderDataset, tempDir, tinyRunArgs } from './helpers.js';

function record(runId: string, acc1: number, commit: string | null = 'abcdef1234567'): HistoryRecord {
  return historyRecord(syntheticResults({ runId, sets: { basic: correctness(10, Math.round(acc1 * 10)) } }), { commit, dirty: false });
}

describe('history store', () => {
  it('reads back what it appended, oldest first, skipping lines that are not records', async () => {
    const file = path.join(tempDir('history-'), 'runs', 'history.jsonl');
    await appendHistory(file, record('20250101-000000-aaaa', 0.5));
    appendFileSync(file, '{"torn": \n');
    await appendHistory(file, record('20250102-000000-bbbb', 0.7));
    const skipped: number[] = [];
    const records = readHistory(file, (line) => skipped.push(line));
    expect(records.map((r) => r.runId)).toEqual(['20250101-000000-aaaa', '20250102-000000-bbbb']);
    expect(records[1]!.promptSets[0]!.metrics.acc1).toBe(0.7);
    expect(skipped).toEqual([2]);
    expect(readHistory(path.join(tempDir(), 'none.jsonl'))).toEqual([]);
  });

  it('never interleaves lines when several processes append at once', async () => {
    const file = path.join(tempDir('history-'), 'history.jsonl');
    const script = `
      import { appendHistory } from ${JSON.stringify(path.join(ROOT, 'dist/history/history.js'))};
      const worker = process.argv.at(-1);
      const pad = 'x'.repeat(3000);
      await Promise.all(Array.from({ length: 50 }, (_, i) =>
        appendHistory(${JSON.stringify(file)}, { historyVersion: 1, runId: worker + '-' + i, task: 'classification', pad, model: {}, dataset: {}, promptSets: [] })));`;
    const runs = Array.from(
      { length: 6 },
      (_, w) =>
        new Promise<number | null>((resolve) =>
          spawn(process.execPath, ['--input-type=module', '-e', script, `w${w}`], { stdio: 'inherit' }).on('close', resolve),
        ),
    );
    expect(await Promise.all(runs)).toEqual([0, 0, 0, 0, 0, 0]);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(300);
    const ids = lines.map((line) => (JSON.parse(line) as { runId: string }).runId);
    expect(new Set(ids).size).toBe(300);
  });

  it('formats a trend with a sparkline and the change from first to last', () => {
    const records = [record('r1', 0.5), record('r2', 0.6), record('r3', 0.9, null)];
    const text = formatHistory(records, { metric: 'acc1', last: 20 });
    expect(text).toContain('acc1 over the last 3 of 3 run(s)');
    expect(text).toMatch(/^r1\s+abcdef1\s+mini fp32\s+synthetic \(10\)\s+50\.00%$/m);
    expect(text).toMatch(/^r3\s+-\s+/m);
    expect(text).toMatch(/^trend\s+▁▃█$/m);
    expect(text).toMatch(/^change\s+\+40\.00 pts$/m);
    expect(formatHistory(records, { metric: 'acc1', last: 2 })).toContain('last 2 of 3');
  });
});

describe('bench run appends to the history; bench history prints it', () => {
  it('records the run with the git commit, and prints the trend', () => {
    const out = tempDir('reports-');
    const dataset = smallFolderDataset(3, 2);
    const args = tinyRunArgs({ dataset, out, prompts: ['prompts/basic.hbs', 'prompts/label-only.hbs'] });
    expect(bench(args).status).toBe(0);
    expect(bench(args).status).toBe(0);
    const records = readHistory(path.join(out, 'history.jsonl'));
    expect(records).toHaveLength(2);
    const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
    if (head.status === 0) expect(records[0]!.commit).toBe(head.stdout.trim());
    expect(records[0]).toMatchObject({ task: 'classification', model: { dtype: 'fp32' }, dataset: { itemCount: 6, evaluated: 6 } });
    expect(records[0]!.promptSets.map((s) => s.name)).toEqual(['basic', 'label-only']);

    const shown = bench(['history', '--out', out, '--metric', 'acc5']);
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain('acc5 over the last 2 of 2 run(s)');
    expect(shown.stdout).toMatch(/^run\s+commit\s+model\s+dataset\s+basic\s+label-only$/m);
    const json = bench(['history', '--file', path.join(out, 'history.jsonl'), '--format', 'json', '--last', '1']);
    expect((JSON.parse(json.stdout) as unknown[]).length).toBe(1);
    const unknown = bench(['history', '--out', out, '--metric', 'acc7']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('recorded metrics: acc1, acc5, mean_per_class_recall');
  });

  it('says so when there is no history yet', () => {
    const empty = bench(['history', '--out', tempDir()]);
    expect(empty.status).toBe(0);
    expect(empty.stdout).toContain('no runs recorded yet');
  });

  it('a history that cannot be written costs a warning, not the run', () => {
    const out = tempDir('reports-');
    // File modes do not stop root (CI runs as root), so the history points at a path that nobody can
    // create: its parent is a regular file (ENOTDIR). Reading it finds no file, an empty history.
    const blocker = path.join(tempDir('history-blocker-'), 'not-a-folder');
    writeFileSync(blocker, '');
    symlinkSync(path.join(blocker, 'history.jsonl'), path.join(out, 'history.jsonl'));
    const result = bench(tinyRunArgs({ dataset: smallFolderDataset(2, 1), out }));
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('could not append to the run history');
    const [run] = runDirs(out);
    expect(existsSync(path.join(out, run!, 'results.json'))).toBe(true);
    expect(existsSync(path.join(out, run!, 'index.html'))).toBe(true);
    expect(lstatSync(path.join(out, 'history.jsonl')).isSymbolicLink()).toBe(true);
  });
});
