import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../src/config/config.js';
import { holdoutSplit } from '../src/datasets/index.js';
import { greedySelection, zeroShotDetails, type EnsembleMode } from '../src/metrics/index.js';
import { Mulberry32 } from '../src/stats/index.js';
import { loadPromptSet, renderTemplatePrompts } from '../src/prompts/index.js';
import { selectionSchema } from '../src/results/selectionSchema.js';
import type { Results } from '../src/results/schema.js';
import { benchRun } from '../src/run/benchRun.js';
import { benchSelect } from '../src/run/benchSelect.js';
import { bench, ROOT, tempDir } from './helpers.js';

const unit = (degrees: number): number[] => [Math.cos((degrees * Math.PI) / 180), Math.sin((degrees * Math.PI) / 180)];

/**
 * Worked out by hand. Two classes, A (0) and B (1), in 2-D; every vector is a unit vector at an
 * angle, so an image goes to the class whose ensemble direction is nearer in angle: with class
 * directions a < b the boundary is (a + b) / 2, and the direction of two unit vectors is their bisector.
 *   line 1, t0: A at 0°,  B at 60° → boundary 30°
 *   line 2, t1: A at 0°,  B at 90° → boundary 45°
 *   line 3, t2: A at 20°, B at 90° → boundary 55°
 * Selection images: A at 10°, 40°, 47°; B at 52°, 58°.
 *   step 1: t0 3/5 (40, 47 wrong), t1 4/5 (47 wrong), t2 4/5 (52 wrong): tie, the earlier line wins → t1, 0.8
 *   step 2: +t0 → A 0°, B 75°, boundary 37.5°: 3/5; +t2 → A 10°, B 90°, boundary 50°: 5/5 → t2, 1.0
 *   step 3: +t0 (the only one left) → A at atan2(sin 20°, 2 + cos 20°) = 6.64°, B at
 *           atan2(2 + sin 60°, cos 60°) = 80.1°, boundary 43.4°: 47 wrong → 4/5, no gain: the selection stops at 2.
 * Held-out images: A at 5°, 48°; B at 30°, 80°: 2/4 at 45°, 3/4 at 50°, 2/4 at 43.4°.
 */
const HAND = {
  imageEmbeddings: [10, 40, 47, 52, 58, 5, 48, 30, 80].map(unit),
  targets: [0, 0, 0, 1, 1, 0, 0, 1, 1],
  selection: [0, 1, 2, 3, 4],
  heldOut: [5, 6, 7, 8],
  templates: [
    [[unit(0)], [unit(60)]],
    [[unit(0)], [unit(90)]],
    [[unit(20)], [unit(90)]],
  ],
};

describe('greedy template selection (hand-worked case)', () => {
  it('adds the best template at each step, breaks ties by line, and stops when acc1 stops rising', () => {
    const result = greedySelection({ ...HAND, mode: 'embedding', maxTemplates: 5 });
    expect(result.path.map((s) => s.template)).toEqual([1, 2, 0]);
    expect(result.path.map((s) => s.selectionAcc1)).toEqual([0.8, 1, 0.8]);
    expect(result.path.map((s) => s.heldOutAcc1)).toEqual([0.5, 0.75, 0.5]);
    expect(result.selectedCount).toBe(2);
  });

  it('stops at maxTemplates', () => {
    const result = greedySelection({ ...HAND, mode: 'embedding', maxTemplates: 1 });
    expect(result.selectedCount).toBe(1);
    // The path still runs through the whole pool, for the report's curve.
    expect(result.path).toHaveLength(3);
  });
});

/** Random pools with several prompts per template (descriptors), of both ensemble modes. */
function randomCase(seed: number): Parameters<typeof greedySelection>[0] & { readonly classes: number } {
  const rng = new Mulberry32(seed);
  const vector = (dim: number): number[] => Array.from({ length: dim }, () => rng.nextUint32() / 2 ** 32 - 0.5);
  const dim = 6;
  const classes = 4;
  const images = 60;
  const templates = Array.from({ length: 7 }, (_, t) =>
    Array.from({ length: classes }, () => Array.from({ length: 1 + (t % 3) }, () => vector(dim))),
  );
  const targets = Array.from({ length: images }, (_, i) => i % classes);
  const split = holdoutSplit(
    targets.map((label, i) => ({ id: `img-${i}`, label })),
    { heldOut: 0.5, seed },
  );
  return { imageEmbeddings: targets.map(() => vector(dim)), targets, templates, ...split, mode: 'embedding', maxTemplates: 7, classes };
}

describe('greedy template selection against the classifier itself', () => {
  for (const mode of ['embedding', 'score'] as EnsembleMode[]) {
    it(`${mode} ensemble: every step's accuracies are those of zeroShotDetails, and each pick is the first best`, () => {
      for (const seed of [1, 2, 3]) {
        const input = { ...randomCase(seed), mode };
        const exact = (chosen: readonly number[], images: readonly number[]): number =>
          zeroShotDetails({
            imageEmbeddings: images.map((i) => input.imageEmbeddings[i]!),
            promptEmbeddings: Array.from({ length: input.classes }, (_, c) => chosen.flatMap((t) => input.templates[t]![c]!)),
            targets: images.map((i) => input.targets[i]!),
            mode,
          }).acc1;
        const result = greedySelection(input);
        const chosen: number[] = [];
        for (const step of result.path) {
          const candidates = input.templates.map((_, t) => t).filter((t) => !chosen.includes(t));
          const scores = candidates.map((t) => exact([...chosen, t], input.selection));
          expect(step.template).toBe(candidates[scores.indexOf(Math.max(...scores))]);
          chosen.push(step.template);
          expect(step.selectionAcc1).toBe(exact(chosen, input.selection));
          expect(step.heldOutAcc1).toBe(exact(chosen, input.heldOut));
        }
      }
    });
  }
});

describe('holdout split', () => {
  const items = Array.from({ length: 40 }, (_, i) => ({ id: `class${i % 4}/img${i}.png`, label: i % 4 }));

  it('holds out round(share × n) of each class, and the halves cover the items once', () => {
    const split = holdoutSplit(items, { heldOut: 0.3, seed: 0 });
    expect([...split.selection, ...split.heldOut].sort((a, b) => a - b)).toEqual(items.map((_, i) => i));
    for (let c = 0; c < 4; c++) expect(split.heldOut.filter((i) => items[i]!.label === c)).toHaveLength(3);
  });

  it('depends only on the seed and the ids: same on any machine and in any listing order', () => {
    const split = holdoutSplit(items, { heldOut: 0.5, seed: 7 });
    const reversed = [...items].reverse();
    const again = holdoutSplit(reversed, { heldOut: 0.5, seed: 7 });
    const ids = (indices: readonly number[], list: typeof items) => indices.map((i) => list[i]!.id).sort();
    expect(ids(again.heldOut, reversed)).toEqual(ids(split.heldOut, items));
    // Pinned from an independent Python ranking by sha256("7:split:<id>") within each class, so a change of the rule shows.
    expect(split.heldOut).toEqual([0, 2, 3, 4, 11, 12, 16, 18, 21, 23, 25, 29, 30, 31, 32, 33, 34, 37, 38, 39]);
    expect(holdoutSplit(items, { heldOut: 0.5, seed: 8 }).heldOut).not.toEqual(split.heldOut);
  });

  it('refuses a share outside (0, 1)', () => {
    expect(() => holdoutSplit(items, { heldOut: 1, seed: 0 })).toThrow(/between 0 and 1/);
  });
});

describe('bench select on the bundled data', () => {
  const cacheDir = tempDir('select-cache-');
  const config = (extra: Record<string, unknown> = {}) =>
    resolveRunConfig(ROOT, { out: tempDir('select-'), cacheDir, threads: 2, ...extra });
  const pool = path.join(ROOT, 'prompts/imagenet-80.hbs');

  it('writes a valid selection.json, the .hbs with provenance, and is deterministic', { timeout: 120_000 }, async () => {
    const first = await benchSelect(config(), { poolFile: pool, maxTemplates: 4, heldOut: 0.5 }, ROOT);
    const second = await benchSelect(config(), { poolFile: pool, maxTemplates: 4, heldOut: 0.5 }, ROOT);
    const s = selectionSchema.parse(JSON.parse(readFileSync(first.files.json, 'utf8')));
    expect(second.selection.path).toEqual(first.selection.path);
    expect(s.run.split).toEqual({ selection: 500, heldOut: 500 });
    expect(s.path).toHaveLength(80);
    const selected = s.contenders.find((c) => c.name === 'selected')!;
    expect(selected.lines).toEqual(s.path.filter((p) => p.selected).map((p) => p.line));
    expect(selected.lines.length).toBeLessThanOrEqual(4);
    // The path's last point is the whole pool; its held-out acc1 is the classifier's.
    expect(s.path.at(-1)!.heldOutAcc1).toBe(s.contenders.find((c) => c.name === 'pool')!.heldOut.acc1);
    expect(s.contenders.find((c) => c.name === 'bestSingle')!.lines).toEqual([s.path[0]!.line]);
    const hbs = readFileSync(first.files.hbs, 'utf8');
    expect(hbs).toMatch(/^# Selected by bench select/);
    expect(hbs).toContain(`held-out acc1: selected ${(selected.heldOut.acc1 * 100).toFixed(2)}%`);
    const reloaded = await loadPromptSet(first.files.hbs);
    expect(reloaded.templates.map((t) => t.source)).toEqual(s.path.filter((p) => p.selected).map((p) => p.template));
    const page = readFileSync(first.files.html!, 'utf8');
    expect(page).toContain('Held-out verdict');
    expect(page).toContain('<svg');
  });

  it("splits the same images bench run scores: the pool's two halves add up to its bench run acc1", { timeout: 120_000 }, async () => {
    const { selection } = await benchSelect(config(), { poolFile: pool, maxTemplates: 2, heldOut: 0.3 }, ROOT);
    const { results } = (await benchRun(config(), [pool], ROOT)) as { results: Results };
    const whole = selection.contenders.find((c) => c.name === 'pool')!;
    const { selection: nSel, heldOut: nHeld } = selection.run.split;
    expect(nHeld).toBe(300);
    const correct = Math.round(whole.selection.acc1 * nSel) + Math.round(whole.heldOut.acc1 * nHeld);
    expect(correct / (nSel + nHeld)).toBe(results.promptSets[0]!.metrics.acc1);
  });

  it('keeps a descriptor pool working from another folder: its directives are re-pointed', { timeout: 120_000 }, async () => {
    const dir = tempDir('select-desc-');
    const poolFile = path.join(dir, 'pool.hbs');
    mkdirSync(path.join(dir, 'data'));
    const descriptors = JSON.parse(readFileSync(path.join(ROOT, 'prompts/fashion-descriptors.json'), 'utf8')) as Record<string, string[]>;
    writeFileSync(path.join(dir, 'data/desc.json'), JSON.stringify(descriptors));
    writeFileSync(
      poolFile,
      '#@ descriptors: data/desc.json\n#@ ensemble: score\na photo of a {{label}}, which has {{descriptor}}.\n{{label}}, {{descriptor}}\na photo of a {{label}}.\n',
    );
    const out = path.join(tempDir('select-out-'), 'nested', 'chosen.hbs');
    mkdirSync(path.dirname(out));
    const { selection } = await benchSelect(config({ limit: 200 }), { poolFile, maxTemplates: 3, heldOut: 0.5, outFile: out }, ROOT);
    expect(selection.run.pool.ensemble).toBe('score');
    const reloaded = await loadPromptSet(out);
    expect(reloaded.ensemble).toBe('score');
    expect(readFileSync(out, 'utf8')).toContain(`#@ descriptors: ${path.relative(path.dirname(out), path.join(dir, 'data/desc.json'))}`);
    // The re-pointed file renders the same prompts as the pool for the selected lines.
    const classes = Object.keys(descriptors);
    const lines = selection.contenders.find((c) => c.name === 'selected')!.lines;
    const poolSet = await loadPromptSet(poolFile);
    const poolPrompts = renderTemplatePrompts(poolSet, classes);
    const byLine = lines.map((line) => poolPrompts[poolSet.templates.findIndex((t) => t.line === line)]!);
    expect(renderTemplatePrompts(reloaded, classes)).toEqual(byLine);
  });

  it('refuses what it cannot select from, naming the file', () => {
    const single = bench(['select', '--prompts', 'prompts/basic.hbs']);
    expect(single.status).toBe(2);
    expect(single.stderr).toMatch(/basic\.hbs: the pool has one template; selection needs at least two/);
    const perClass = bench(['select', '--prompts', 'prompts/fashion-per-class.json']);
    expect(perClass.status).toBe(2);
    expect(perClass.stderr).toMatch(/fashion-per-class\.json: a per-class prompt file has no templates to choose among/);
    const retrieval = bench(['select', '--prompts', 'prompts/imagenet-80.hbs', '--dataset', 'fashion-mosaics']);
    expect(retrieval.status).toBe(2);
    expect(retrieval.stderr).toMatch(/\{\{label\}\} needs a classification dataset|chooses templates for classification/);
    const share = bench(['select', '--prompts', 'prompts/imagenet-80.hbs', '--holdout', '1']);
    expect(share.status).toBe(2);
    expect(share.stderr).toMatch(/--holdout.*between 0 and 1/);
  });
});
