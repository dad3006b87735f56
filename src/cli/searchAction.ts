import path from 'node:path';
import { resolveRunConfig } from '../config/config.js';
import { loadAnyDataset } from '../datasets/index.js';
import { InputError } from '../errors.js';
import { writeFileAtomically } from '../util/atomicWrite.js';
import { openModelIndex } from '../vectorindex/open.js';
import { searchGallery } from '../vectorindex/gallery.js';
import { embedImageQuery, embedTextQuery } from '../vectorindex/search.js';
import type { SearchHit } from '../vectorindex/types.js';
import type { SearchFlags } from './search.js';

/** `bench search`: embeds the query with the index's model and prints the nearest images. */
export async function searchCommand(text: string | undefined, flags: SearchFlags): Promise<void> {
  if ((text === undefined) === (flags.image === undefined)) throw new InputError('give a text to search for, or --image <file> (not both)');
  const cwd = process.cwd();
  const config = resolveRunConfig(
    cwd,
    {
      model: flags.model,
      dtype: flags.dtype,
      cacheDir: flags.cacheDir,
      store: flags.store,
      leaseSeconds: flags.leaseSeconds,
      threads: flags.threads,
    },
    flags.config,
  );
  const efSearch = flags.efSearch;
  const opened = await openModelIndex(config, cwd, flags.index, { create: false, settings: efSearch === undefined ? {} : { efSearch } });
  let hits: SearchHit[];
  const query = text ?? path.resolve(cwd, flags.image!);
  try {
    let vector: Float32Array;
    if (text === undefined) vector = await embedImageQuery(opened.model, query);
    else {
      const embedded = await embedTextQuery(opened.model, text);
      if (embedded.truncated) process.stderr.write(`warning: the query was cut at the model's token limit\n`);
      vector = embedded.vector;
    }
    hits = await opened.index.search(vector, flags.k, { exact: flags.exact });
  } finally {
    await opened.close();
  }
  if (flags.format === 'json')
    process.stdout.write(`${JSON.stringify({ query, index: opened.index.location, k: flags.k, hits }, null, 2)}\n`);
  else process.stdout.write(formatHits(hits));
  if (flags.html !== undefined) {
    const dataset = flags.images === undefined ? undefined : await loadAnyDataset(flags.images, { cwd, datasetsDir: config.datasetsDir });
    const page = await searchGallery(text ?? `image ${flags.image!}`, hits, dataset);
    await writeFileAtomically(path.resolve(cwd, flags.html), page);
    process.stderr.write(`gallery: ${flags.html}\n`);
  }
}

function formatHits(hits: readonly SearchHit[]): string {
  const width = String(hits.length).length;
  const lines = hits.map((h, i) => `${String(i + 1).padStart(width)}  ${h.score.toFixed(4)}  ${h.id}`);
  return `${'#'.padStart(width)}  score   image\n${lines.join('\n')}\n`;
}
