import { resolveRunConfig } from '../config/config.js';
import { loadAnyDataset } from '../datasets/index.js';
import { selectRetrievalSubset, selectSubset } from '../datasets/index.js';
import { buildIndex } from '../vectorindex/build.js';
import { openModelIndex } from '../vectorindex/open.js';
import { withInterrupt } from './interrupt.js';
import type { IndexBuildFlags } from './vectorIndex.js';

/** `bench index build`: appends the collection's new images to the model's index. */
export async function indexBuildCommand(flags: IndexBuildFlags): Promise<void> {
  const cwd = process.cwd();
  const config = resolveRunConfig(
    cwd,
    {
      dataset: flags.images,
      model: flags.model,
      dtype: flags.dtype,
      batchSize: flags.batchSize,
      threads: flags.threads,
      cacheDir: flags.cacheDir,
      cache: flags.cache === false ? false : undefined,
    },
    flags.config,
  );
  const loaded = await loadAnyDataset(config.dataset, { cwd, datasetsDir: config.datasetsDir });
  const limit = flags.limit;
  const images =
    loaded.task === 'retrieval'
      ? selectRetrievalSubset(loaded, { limit, seed: config.seed }).images
      : selectSubset(loaded, { limit, seed: config.seed }).items;
  const settings = { m: flags.m, efConstruction: flags.efConstruction, efSearch: flags.efSearch };
  const opened = await openModelIndex(config, cwd, flags.index, {
    create: true,
    exact: flags.exact,
    settings: Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)),
  });
  try {
    const started = Date.now();
    const summary = await withInterrupt((signal) =>
      buildIndex(opened.model, images, opened.index, { ...opened.cache.session, signal }, { batchSize: config.batchSize }),
    );
    process.stdout.write(
      `added ${summary.added} images, ${summary.skipped} already indexed; ${summary.fromCache} embeddings from the cache, ` +
        `${summary.computed} computed, ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
    );
    for (const e of summary.errors.slice(0, 10)) process.stdout.write(`  could not read ${e.item}: ${e.reason}\n`);
    process.stdout.write(`index: ${opened.index.location} (${await opened.index.size()} images)\n`);
  } finally {
    await opened.close();
  }
}
