import { percent, signedPoints } from '../util/format.js';
import type { DoctorReport } from './report.js';

/** The terminal view of a doctor report: one block per finding, the numbers first. */
export function formatDoctorText(report: DoctorReport): string {
  const { tokens, pixels, embeddings, zeroShot } = report;
  const lines = [
    `bench doctor: ${report.model.id} (${report.model.modelType}), reference-exact vs stock transformers.js`,
    `dataset ${report.dataset.name}: ${report.dataset.images} images; prompts ${report.prompts.file}: ${report.prompts.rendered} rendered + ${report.prompts.long.length} long`,
    '',
    `tokens: ${tokens.differing} of ${tokens.prompts} prompts get different ids`,
    ...tokens.examples.flatMap((e) => [
      `  ${quote(e.text)}`,
      `    reference ${JSON.stringify(e.reference)}`,
      `    stock     ${JSON.stringify(e.stock)}`,
    ]),
    `  end token lost by the stock pipeline: ${tokens.endLost.count} prompt(s) over the context length`,
    ...tokens.endLost.examples.map((t) => `    ${quote(t)}`),
    '',
    `pixels: mean |Δ| ${pixels.meanOfMeans.toFixed(4)} (mean over ${pixels.images} images), max |Δ| ${pixels.maxOfMax.toFixed(4)} (normalised units)`,
    `embedding cosine: images min ${embeddings.image.min.toFixed(6)} mean ${embeddings.image.mean.toFixed(6)}; texts min ${embeddings.text.min.toFixed(6)} mean ${embeddings.text.mean.toFixed(6)}`,
    '',
    `zero-shot top-1 flips: ${zeroShot.flips} of ${zeroShot.images} images`,
    ...zeroShot.examples.map((f) => `  ${f.image} (${f.label}): reference ${f.reference}, stock ${f.stock}`),
    `acc1: reference ${percent(zeroShot.referenceAcc1)}, stock ${percent(zeroShot.stockAcc1)} (${signedPoints(zeroShot.acc1Change)} points)`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Long prompts are the point of several findings; their start is enough to recognise them. */
function quote(text: string, width = 100): string {
  return JSON.stringify(text.length > width ? `${text.slice(0, width - 1)}…` : text);
}
