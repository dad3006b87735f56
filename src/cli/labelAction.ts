import path from 'node:path';
import { resolveRunConfig } from '../config/config.js';
import { benchLabel } from '../label/label.js';
import { holdFromEnvironment } from './hold.js';
import { withInterrupt } from './interrupt.js';
import type { LabelFlags } from './label.js';

/** `bench label`: labels the collection, then prints the per-label counts, the cache use and where the files went. */
export async function labelCommand(flags: LabelFlags): Promise<void> {
  const cwd = process.cwd();
  const { images, prompts, classes, topK, minProb, minMargin, config: configFile, cache, ...settings } = flags;
  // commander sets cache=true unless --no-cache; only an explicit --no-cache overrides the config file.
  const config = resolveRunConfig(
    cwd,
    {
      ...settings,
      dataset: images,
      models: settings.model === undefined ? undefined : [settings.model],
      cache: cache === false ? false : undefined,
    },
    configFile,
  );
  const out = await withInterrupt((signal) =>
    benchLabel(
      config,
      {
        promptFile: path.resolve(cwd, prompts),
        classesFile: classes === undefined ? undefined : path.resolve(cwd, classes),
        topK,
        thresholds: { minProb, minMargin },
      },
      cwd,
      {
        signal,
        hold: holdFromEnvironment(),
        onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
      },
    ),
  );
  const width = Math.max(5, ...out.summaries.map((s) => s.label.length));
  process.stdout.write(`${'label'.padEnd(width)}  images  uncertain\n`);
  for (const s of out.summaries)
    process.stdout.write(`${s.label.padEnd(width)}  ${String(s.count).padStart(6)}  ${String(s.uncertain).padStart(9)}\n`);
  const { images: im, texts } = out.cache;
  process.stdout.write(
    `\nembeddings: ${im.fromCache} images and ${texts.fromCache} prompts from the cache, ${im.computed} images and ${texts.computed} prompts computed\n`,
  );
  process.stdout.write(`${out.imageCount} images, ${out.classNames.length} classes, ${(out.durationMs / 1000).toFixed(1)}s\n`);
  process.stdout.write(`labels: ${displayPath(out.files.csv, cwd)} (labels.jsonl, errors.csv and label.json beside it)\n`);
  if (out.files.html !== undefined) process.stdout.write(`page: ${displayPath(out.files.html, cwd)}\n`);
  if (out.errors.length > 0) {
    process.stdout.write(`${out.errors.length} image(s) could not be read and have no label (listed in errors.csv):\n`);
    for (const e of out.errors.slice(0, 10)) process.stdout.write(`  ${e.item}: ${e.reason}\n`);
    if (out.errors.length > 10) process.stdout.write(`  … and ${out.errors.length - 10} more\n`);
  }
}

/** Paths under the current folder are shown relative to it; others as they are. */
function displayPath(p: string, cwd: string): string {
  const relative = path.relative(cwd, p);
  return relative.startsWith('..') || path.isAbsolute(relative) ? p : relative;
}
