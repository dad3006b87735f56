import path from 'node:path';
import { openCache, type OpenCache } from '../cache/index.js';
import { cacheSettings, type RunConfig } from '../config/config.js';
import { runModels } from '../config/models.js';
import type { ClipModel } from '../model/clipModel.js';
import { loadRunModel } from '../run/prepare.js';
import { modelFingerprint } from './build.js';
import { openVectorIndex } from './registry.js';
import type { OpenIndexOptions, VectorIndex } from './types.js';

export interface ModelIndex {
  readonly model: ClipModel;
  readonly index: VectorIndex;
  readonly cache: OpenCache;
  close(): Promise<void>;
}

/** Without --index: one usearch file per fingerprint in <cache dir>/index/, beside the embeddings it came from. */
export function defaultIndexSpec(config: Pick<RunConfig, 'cacheDir'>): string {
  return path.join(config.cacheDir, 'index');
}

/** The configured model (first of a list) and its index at `spec`, fingerprint checked. */
export async function openModelIndex(
  config: RunConfig,
  cwd: string,
  spec: string | undefined,
  options: Omit<OpenIndexOptions, 'fingerprint'>,
): Promise<ModelIndex> {
  const cache = await openCache(cacheSettings(config));
  try {
    const { id, dtype } = runModels(config)[0]!;
    const model = await loadRunModel({ ...config, model: id, dtype }, cwd, cache);
    const index = await openVectorIndex(spec ?? defaultIndexSpec(config), { ...options, fingerprint: await modelFingerprint(model) });
    return {
      model,
      index,
      cache,
      close: async () => {
        await index.close();
        await model.dispose();
        await cache.close();
      },
    };
  } catch (error) {
    await cache.close();
    throw error;
  }
}
