import { formatP, percent, signedPoints } from '../util/format.js';
import { textTable } from '../util/textTable.js';
import type { Contender, Selection } from './selectionSchema.js';

const STOPS: Record<Selection['stoppedBecause'], string> = {
  'max-templates': 'reached --max-templates',
  'no-improvement': 'no further template raised selection-half acc1',
  'pool-exhausted': 'every template of the pool was chosen',
};

/** What `bench select` prints: the greedy steps, then the held-out verdict (the result). */
export function formatSelection(s: Selection): string {
  const { run } = s;
  const chosen = s.path.filter((p) => p.selected);
  const steps = textTable(
    ['step', 'line', 'template', 'selection acc1', 'held-out acc1'],
    chosen.map((p, i) => [String(i + 1), String(p.line), p.template, percent(p.selectionAcc1), percent(p.heldOutAcc1)]),
    new Set([2]),
  );
  return [
    `pool ${run.pool.name}: ${run.pool.templates.length} templates (${run.pool.ensemble} ensemble) on ${run.dataset.name}, ` +
      `${run.dataset.itemCount} images; split per class (seed ${run.seed}): ${run.split.selection} to select on, ${run.split.heldOut} held out`,
    '',
    `greedy selection on the selection half (stopped: ${STOPS[s.stoppedBecause]}):`,
    ...steps,
    '',
    `held out (${run.split.heldOut} images), the result; paired against the selected ensemble (McNemar exact test, paired bootstrap 95% CI):`,
    ...heldOutTable(s),
  ].join('\n');
}

function heldOutTable(s: Selection): string[] {
  const rows = s.contenders.map((c) => {
    const vs = s.contrasts.find((x) => x.against === c.name);
    return [
      describe(c),
      percent(c.heldOut.acc1),
      percent(c.heldOut.acc5),
      percent(c.heldOut.mean_per_class_recall),
      vs === undefined ? '' : signedPoints(vs.delta),
      vs === undefined ? '' : `[${signedPoints(vs.interval.lo)}, ${signedPoints(vs.interval.hi)}]`,
      vs === undefined ? '' : formatP(vs.pValue),
      vs === undefined ? '' : vs.significant ? 'significant' : 'within noise',
    ];
  });
  return textTable(
    ['held-out', 'acc1', 'acc5', 'mean per-class recall', 'selected − this, pts', '95% CI (pts)', 'McNemar p', 'difference'],
    rows,
    new Set([0, 5, 7]),
  );
}

function describe(c: Contender): string {
  const n = c.lines.length;
  if (c.name === 'bestSingle') return `best single template (line ${c.lines[0]})`;
  return `${c.name === 'selected' ? 'selected ensemble' : 'whole pool'} (${n} template${n === 1 ? '' : 's'})`;
}
