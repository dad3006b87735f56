import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { baselineSchema } from '../src/compare/baselineSchema.js';
import { loadRunSummary } from '../src/compare/load.js';
import { publishedJsonSchemas, PUBLISHED_SCHEMAS } from '../src/schemas.js';
import { benchConfigSchema } from '../src/compare/settingsSchema.js';
import { resolveRunConfig } from '../src/config/config.js';
import { descriptorSchema } from '../src/datasets/descriptorSchema.js';
import { loadAnyDataset } from '../src/datasets/index.js';
import { readHistory } from '../src/history/history.js';
import { historyRecordSchema } from '../src/history/schema.js';
import { resultsFileSchema } from '../src/results/retrievalSchema.js';
import { readJsonSync } from '../src/util/json.js';
import { ROOT, TINY_MODEL, bench, runDirs, smallFolderDataset, tempDir } from './helpers.js';

const SCHEMAS_DIR = path.join(ROOT, 'schemas');
const readJsonFile = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

/** Parsing with a schema strips keys it does not know: equal output means the schema covers every field written. */
function expectCovered(schema: z.ZodType, value: unknown): void {
  expect(schema.parse(value)).toEqual(value);
}

function errorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect((error as Error).name).toBe('InputError');
    return (error as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('published JSON Schemas (schemas/)', () => {
  it('match the schemas in the code; rerun tools/schemas/write-schemas.mjs after a change', () => {
    for (const { file, document } of publishedJsonSchemas()) {
      const committed = path.join(SCHEMAS_DIR, file);
      expect(existsSync(committed), `schemas/${file} is missing`).toBe(true);
      expect(readJsonFile(committed), `schemas/${file} is stale`).toEqual(JSON.parse(JSON.stringify(document)));
    }
    expect(readdirSync(SCHEMAS_DIR).sort()).toEqual(PUBLISHED_SCHEMAS.map((s) => s.file).sort());
  });

  it('tell the two tasks of results.json apart by "task", and keep the config closed to typos', () => {
    const results = readJsonFile(path.join(SCHEMAS_DIR, 'results.schema.json')) as { oneOf: { properties: { task: { const: string } } }[] };
    expect(results.oneOf.map((o) => o.properties.task.const)).toEqual(['classification', 'retrieval']);
    const config = readJsonFile(path.join(SCHEMAS_DIR, 'bench.config.schema.json')) as {
      additionalProperties: boolean;
      properties: Record<string, unknown>;
    };
    expect(config.additionalProperties).toBe(false);
    expect(Object.keys(config.properties)).toEqual(expect.arrayContaining(['$schema', 'model', 'batchSize', 'recallK', 'check']));
  });
});

describe('bundled files follow their schemas', () => {
  it('bench.config.json, which names its schema for editors', () => {
    const file = path.join(ROOT, 'bench.config.json');
    const config = readJsonSync(file, benchConfigSchema);
    expect(config.$schema).toBe('./schemas/bench.config.schema.json');
    expect(existsSync(path.resolve(ROOT, config.$schema!))).toBe(true);
  });

  it('every dataset descriptor in datasets/', () => {
    const descriptors = readdirSync(path.join(ROOT, 'datasets')).filter((f) => f.endsWith('.json'));
    expect(descriptors.length).toBeGreaterThan(0);
    for (const name of descriptors) expectCovered(descriptorSchema, readJsonFile(path.join(ROOT, 'datasets', name)));
  });
});

describe('files written by real runs of the tiny model follow their schemas', () => {
  const work = tempDir('schemas-');
  const out = path.join(work, 'reports');
  const resultsOf = (runDir: string): string => path.join(out, runDir, 'results.json');
  let runs: string[];

  beforeAll(() => {
    const common = ['--model', TINY_MODEL, '--out', out, '--cache-dir', tempDir('cache-'), '--threads', '2'];
    const classification = bench(['run', '--prompts', 'prompts/basic.hbs', '--dataset', smallFolderDataset(3, 2), ...common]);
    expect(classification.status, classification.stderr).toBe(0);
    const retrieval = bench(['run', '--dataset', 'fashion-mosaics', '--limit', '4', ...common]);
    expect(retrieval.status, retrieval.stderr).toBe(0);
    runs = runDirs(out);
  });

  it('results.json of a classification run and of a retrieval run', () => {
    expect(runs).toHaveLength(2);
    const files = runs.map((r) => readJsonFile(resultsOf(r)) as { task: string; run: { timings?: unknown } });
    expect(files.map((f) => f.task).sort()).toEqual(['classification', 'retrieval']);
    for (const results of files) {
      expect(results.run.timings).toBeDefined();
      expectCovered(resultsFileSchema, results);
    }
  });

  it('history.jsonl lines and a saved baseline', () => {
    const lines = readFileSync(path.join(out, 'history.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expectCovered(historyRecordSchema, JSON.parse(line));
    const classification = runs.map(resultsOf).find((f) => (readJsonFile(f) as { task: string }).task === 'classification')!;
    const baseline = path.join(work, 'baseline.json');
    const saved = bench(['baseline', 'save', '--from', classification, '--to', baseline]);
    expect(saved.status, saved.stderr).toBe(0);
    expectCovered(baselineSchema, readJsonFile(baseline));
  });

  it('a broken results.json is refused with the file, the JSON path and what was expected', () => {
    const classification = runs.map(resultsOf).find((f) => (readJsonFile(f) as { task: string }).task === 'classification')!;
    const broken = path.join(tempDir(), 'results.json');
    const value = readJsonFile(classification) as { promptSets: { metrics: Record<string, unknown> }[] };
    value.promptSets[0]!.metrics.acc1 = null;
    writeFileSync(broken, JSON.stringify(value));
    const expected = `${broken}: promptSets[0].metrics.acc1: expected a number, got null; pass the results.json a run wrote`;
    expect(errorOf(() => loadRunSummary(broken))).toBe(expected);
    const report = bench(['report', broken]);
    expect(report.status).toBe(2);
    expect(report.stderr).toContain(expected);
  });
});

describe('JSON input errors name the file, the JSON path and what was expected', () => {
  it('in bench.config.json, one line per problem', () => {
    const dir = tempDir('config-');
    const file = path.join(dir, 'bench.config.json');
    writeFileSync(file, JSON.stringify({ batchSize: '8' }));
    expect(errorOf(() => resolveRunConfig(dir, {}))).toBe(`${file}: batchSize: expected a positive whole number, got "8"`);
    writeFileSync(file, JSON.stringify({ limit: 0, recallK: [1, -5], dtype: 'fp64', strict: 'yes', check: { maxDrop: { acc1: -1 } } }));
    expect(errorOf(() => resolveRunConfig(dir, {})).split('\n')).toEqual([
      `${file}: dtype: expected one of "fp32", "fp16", "q8", got "fp64"`,
      `${file}: limit: expected a positive whole number, got 0`,
      `${file}: strict: expected true or false, got "yes"`,
      '…and 1 more',
    ]);
    writeFileSync(file, '{\n  "model": "x",\n  "limit": 3,,\n}');
    expect(errorOf(() => resolveRunConfig(dir, {}))).toBe(`${file}:3:14: malformed JSON (PropertyNameExpected); fix the syntax`);
    expect(errorOf(() => resolveRunConfig(dir, { threads: 0 }, 'nope.json'))).toBe(
      `config file ${path.join(dir, 'nope.json')} does not exist`,
    );
    expect(errorOf(() => resolveRunConfig(tempDir(), { threads: 0 }))).toBe(
      'setting "threads" (flag): expected a positive whole number, got 0',
    );
  });

  it('in the check section of bench.config.json', () => {
    const dir = tempDir('config-');
    const file = path.join(dir, 'bench.config.json');
    writeFileSync(file, JSON.stringify({ check: { maxDrop: { acc1: 'lots' } } }));
    const check = bench(['check', '--baseline', 'b.json', 'r.json'], { cwd: dir });
    expect(check.status).toBe(2);
    expect(check.stderr).toContain(`${file}: check.maxDrop.acc1: expected a non-negative number of points (e.g. 0.5) or "off", got "lots"`);
  });

  it('in a baseline, a history line, a descriptor and a JSON Lines caption file', async () => {
    const dir = tempDir('inputs-');
    const baseline = path.join(dir, 'baseline.json');
    writeFileSync(baseline, JSON.stringify({ kind: 'clipbench-baseline', baselineVersion: 2 }));
    expect(errorOf(() => loadRunSummary(baseline)).split('\n')[0]).toBe(`${baseline}: baselineVersion: expected 1, got 2`);

    const history = path.join(dir, 'history.jsonl');
    writeFileSync(history, `${JSON.stringify({ historyVersion: 1, runId: 'r', task: 'classification' })}\n`);
    const reasons: string[] = [];
    expect(readHistory(history, (line, reason) => reasons.push(`${line}: ${reason}`))).toEqual([]);
    expect(reasons[0]!.split('\n')[0]).toBe('1: missing "createdAt" (expected a string)');

    const descriptor = path.join(dir, 'd.json');
    writeFileSync(descriptor, JSON.stringify({ format: 'folder', path: '.', classnames: { a: 7 } }));
    await expect(loadAnyDataset(descriptor, { cwd: dir, datasetsDir: dir })).rejects.toThrow(
      `${descriptor}: classnames.a: expected a non-empty string, got 7`,
    );

    const pairs = path.join(dir, 'pairs.jsonl');
    writeFileSync(pairs, '{"image": "a.jpg", "caption": "ok"}\n{"image": "b.jpg" "caption": "x"}\n');
    await expect(loadAnyDataset(pairs, { cwd: dir, datasetsDir: dir })).rejects.toThrow(`${pairs}:2:19: malformed JSON (CommaExpected)`);
  });

  it('for a file that is not there, saying what it was', () => {
    const file = path.join(tempDir(), 'missing.json');
    expect(errorOf(() => readJsonSync(file, benchConfigSchema, { what: 'config file' }))).toBe(
      `cannot read config file ${file}: no such file; check the path`,
    );
  });
});
