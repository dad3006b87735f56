import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cacheSettings, resolveRunConfig, type RunConfig } from '../config/config.js';
import { runModels } from '../config/models.js';
import { loadAnyDataset } from '../datasets/index.js';
import { selectRetrievalSubset, selectSubset } from '../datasets/index.js';
import { InputError } from '../errors.js';
import { openCache } from '../cache/index.js';
import { loadRunModel } from '../run/prepare.js';
import { writeFileAtomically } from '../util/atomicWrite.js';
import { buildIndex } from '../vectorindex/build.js';
import { evaluateIndex, formatEval } from '../vectorindex/eval.js';
import { evalPage } from '../vectorindex/evalPage.js';
import { openModelIndex } from '../vectorindex/open.js';
import { withInterrupt } from './interrupt.js';
import type { IndexBuildFlags, IndexEvalFlags } from './vectorIndex.js';

/** `bench index build`: appends the collection's new images to the model's index. */
export async function indexBuildCommand(flags: IndexBuildFlags): Promise<void> {
  const cwd = process.cwd();
  const config = configFromFlags(cwd, flags);
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

/** `bench index eval`: the index's recall against exact search, and its latency, per ef_search. */
export async function indexEvalCommand(flags: IndexEvalFlags): Promise<void> {
  const cwd = process.cwd();
  const config = configFromFlags(cwd, flags);
  const loaded = await loadAnyDataset(config.dataset, { cwd, datasetsDir: config.datasetsDir });
  if (loaded.task !== 'retrieval')
    throw new InputError(`--images ${flags.images}: bench index eval needs a captioned set (its captions are the queries)`);
  const dataset = selectRetrievalSubset(loaded, { limit: flags.limit, seed: config.seed });
  const temporary = flags.index === undefined ? mkdtempSync(path.join(tmpdir(), 'clipbench-index-eval-')) : null;
  const cache = await openCache(cacheSettings(config));
  try {
    const { id, dtype } = runModels(config)[0]!;
    const model = await loadRunModel({ ...config, model: id, dtype }, cwd, cache);
    try {
      const settings = Object.fromEntries(
        Object.entries({ m: flags.m, efConstruction: flags.efConstruction }).filter(([, v]) => v !== undefined),
      );
      const result = await withInterrupt((signal) =>
        evaluateIndex(
          model,
          dataset,
          { ...cache.session, signal },
          {
            spec: flags.index ?? path.join(temporary!, 'eval.usearch'),
            efSearch: flags.ef,
            k: flags.k,
            batchSize: config.batchSize,
            settings,
          },
        ),
      );
      const shown = temporary === null ? result : { ...result, index: `(temporary) ${path.basename(result.index)}` };
      process.stdout.write(flags.format === 'json' ? `${JSON.stringify(shown, null, 2)}\n` : formatEval(shown));
      if (flags.html !== undefined) {
        await writeFileAtomically(path.resolve(cwd, flags.html), await evalPage(shown));
        process.stderr.write(`page: ${flags.html}\n`);
      }
    } finally {
      await model.dispose();
    }
  } finally {
    await cache.close();
    if (temporary !== null) rmSync(temporary, { recursive: true, force: true });
  }
}

/** The run settings both index commands take: the collection, the model and where embeddings are cached. */
function configFromFlags(cwd: string, flags: IndexBuildFlags | IndexEvalFlags): RunConfig {
  return resolveRunConfig(
    cwd,
    {
      dataset: flags.images,
      model: flags.model,
      dtype: flags.dtype,
      batchSize: flags.batchSize,
      threads: flags.threads,
      cacheDir: flags.cacheDir,
      store: flags.store,
      leaseSeconds: flags.leaseSeconds,
      cache: flags.cache === false ? false : undefined,
    },
    flags.config,
  );
}
