import { escapeMarkdown, formatP, signedPoints } from '../util/format.js';
import { pct } from './data.js';
import { speed, type ModelsView } from './modelsData.js';

/** summary.md's lines on a run of several models: acc1 per model and prompt file, then the dtype checks. */
export function modelsMarkdown(view: ModelsView): string[] {
  const sets = view.promptSets.map((s) => `acc1 ${escapeMarkdown(s)}`);
  const lines = [
    `| model | images/s | ${sets.join(' | ')} |`,
    `| --- | ---: | ${sets.map(() => '---:').join(' | ')} |`,
    ...view.models.map(
      (m) =>
        `| ${escapeMarkdown(m.key)} | ${speed(m.cost.imagesPerSecond)} | ${view.promptSets.map((s) => pct(m.scores.get(s)?.metrics.acc1 ?? null, 2)).join(' | ')} |`,
    ),
  ];
  if (view.dtypeChecks.length > 0) {
    lines.push(
      '',
      '| model | dtype vs fp32 | prompt file | top-1 agreement | Δacc1 (pts) [95% CI] | p |',
      '| --- | --- | --- | ---: | ---: | ---: |',
      ...view.dtypeChecks.map(
        (d) =>
          `| ${escapeMarkdown(d.model)} | ${escapeMarkdown(d.dtype)} | ${escapeMarkdown(d.promptSet)} | ${pct(d.top1Agreement)} | ` +
          `${signedPoints(d.acc1Delta, 1)} [${signedPoints(d.interval.lo, 1)}, ${signedPoints(d.interval.hi, 1)}] | ${formatP(d.pValue)} |`,
      ),
    );
  }
  return lines;
}
