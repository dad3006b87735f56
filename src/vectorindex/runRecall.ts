import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openCache } from '../cache/index.js';
import { cacheSettings, type RunConfig } from '../config/config.js';
import { runModels } from '../config/models.js';
import { loadAnyDataset, selectRetrievalSubset } from '../datasets/index.js';
import { InputError } from '../errors.js';
import { loadRunModel } from '../run/prepare.js';
import { formatP } from '../util/format.js';
import { textTable } from '../util/textTable.js';
import { evaluateIndex, type EvalRow } from './eval.js';
import { DEFAULT_HNSW } from './types.js';

/** Image recall@k through the index next to exact search, per k of the run. */
export interface IndexRecall {
  readonly index: string;
  readonly efSearch: number;
  readonly rows: readonly ({ readonly k: number; readonly exact: number } & Pick<
    EvalRow,
    'imageRecall' | 'deltaPoints' | 'recallVsExact'
  >)[];
}

/**
 * `bench run --index <backend>` on a captioned set: the run's images (same subset) go into the
 * index (`usearch` alone means a temporary one), every caption, as it is, queries it at the
 * default ef_search, and image recall@k comes out for each k of the run beside exact search's,
 * which is the run's own image_retrieval_recall@k for captions as they are.
 */
export async function indexRecallForRun(config: RunConfig, cwd: string, spec: string): Promise<IndexRecall> {
  const loaded = await loadAnyDataset(config.dataset, { cwd, datasetsDir: config.datasetsDir, images: config.images ?? undefined });
  if (loaded.task !== 'retrieval')
    throw new InputError(`--index measures retrieval through an index; ${loaded.root} is not a captioned set`);
  const dataset = selectRetrievalSubset(loaded, { limit: config.limit ?? undefined, seed: config.seed });
  const temporary = spec === 'usearch' ? mkdtempSync(path.join(tmpdir(), 'clipbench-run-index-')) : null;
  const cache = await openCache(cacheSettings(config));
  const { id, dtype } = runModels(config)[0]!;
  const model = await loadRunModel({ ...config, model: id, dtype }, cwd, cache);
  try {
    const target = temporary === null ? spec : path.join(temporary, 'run.usearch');
    const rows = [];
    for (const k of config.recallK) {
      const e = await evaluateIndex(model, dataset, cache.session, {
        spec: target,
        efSearch: [DEFAULT_HNSW.efSearch],
        k,
        batchSize: config.batchSize,
      });
      const row = e.rows[0]!;
      rows.push({
        k,
        exact: e.exactImageRecall,
        imageRecall: row.imageRecall,
        deltaPoints: row.deltaPoints,
        recallVsExact: row.recallVsExact,
      });
    }
    return { index: temporary === null ? spec : 'usearch (temporary)', efSearch: DEFAULT_HNSW.efSearch, rows };
  } finally {
    await model.dispose();
    await cache.close();
    if (temporary !== null) rmSync(temporary, { recursive: true, force: true });
  }
}

export function formatIndexRecall(r: IndexRecall): string {
  const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
  return [
    `through the index ${r.index} (ef_search ${r.efSearch}), captions as they are:`,
    ...textTable(
      ['k', 'image R@k exact', 'through the index', 'Δ pts', `index top-k ∩ exact top-k`],
      r.rows.map((row) => [String(row.k), pct(row.exact), pct(row.imageRecall), row.deltaPoints.toFixed(2), formatP(row.recallVsExact)]),
      new Set(),
    ),
  ].join('\n');
}
