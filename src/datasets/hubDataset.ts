import path from 'node:path';
import picomatch from 'picomatch';
import { DEFAULT_REVISION, fetchDatasetFiles, hubSettings, listDatasetFiles, type HubSettings } from '../util/hub.js';
import { expandShardPattern, hasBraceGroup } from './shardPattern.js';
import { InputError } from './types.js';

/** `hf://datasets/<owner>/<name>[@revision]/<path or glob>`, as huggingface_hub's file system writes it. */
const HUB_DATASET = /^hf:\/\/datasets\/([\w.-]+\/[\w.-]+)(?:@([^/]+))?(?:\/(.*))?$/;

/** Files a dataset's readers look for beside its data: CLIP_benchmark's and the dataset card. */
const COMPANIONS = ['classnames.txt', 'zeroshot_classification_templates.txt', 'README.md'];

export function isHubDatasetSpec(spec: string): boolean {
  return spec.startsWith('hf://');
}

/**
 * Downloads what an `hf://datasets/...` spec names (through the same hub client as models:
 * HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, the revision) into the dataset cache, with the class-name,
 * template and dataset-card files beside it, and returns the same path or pattern in that folder,
 * which the loader then reads like any local dataset. Already-cached files are not fetched again.
 */
export async function localHubDataset(spec: string, settings: HubSettings = hubSettings()): Promise<string> {
  const match = HUB_DATASET.exec(spec);
  if (match === null) {
    throw new InputError(`${spec}: expected hf://datasets/<owner>/<name>[@revision]/<path or glob>, e.g. hf://datasets/org/set/test/{000000..000004}.tar`);
  }
  const [, id, revision = DEFAULT_REVISION, rest = ''] = match;
  const wanted = rest.replace(/\/+$/, '');
  const listed = hasBraceGroup(wanted) && !/[*?[]/.test(wanted) ? null : await listDatasetFiles(id!, revision, baseDir(wanted), settings);
  const files = listed === null ? expandShardPattern(wanted) : matching(listed, wanted);
  if (files.length === 0) {
    const sample = (listed ?? []).slice(0, 5).join(', ');
    throw new InputError(`${spec} matches no file of ${id} at revision "${revision}"${sample === '' ? '' : ` (it has e.g. ${sample})`}`);
  }
  const dirs = new Set(files.map((f) => path.posix.dirname(f)));
  const all = listed ?? (await listDatasetFiles(id!, revision, '', settings).catch(() => []));
  const companions = all.filter((f) => COMPANIONS.includes(path.posix.basename(f)) && (dirs.has(path.posix.dirname(f)) || !f.includes('/')));
  const folder = await fetchDatasetFiles(id!, revision, [...files, ...companions], settings);
  return path.join(folder, wanted);
}

/** The folder to list: everything before the first glob character. */
function baseDir(pattern: string): string {
  const glob = pattern.search(/[*?[{]/);
  const plain = glob === -1 ? pattern : pattern.slice(0, glob);
  return glob === -1 ? plain : path.posix.dirname(`${plain}x`).replace(/^\.$/, '');
}

/** A glob's matches, a folder's files, or the file itself. */
function matching(files: readonly string[], wanted: string): string[] {
  if (/[*?[{]/.test(wanted)) {
    const patterns = hasBraceGroup(wanted) ? expandShardPattern(wanted) : [wanted];
    const isMatch = picomatch(patterns, { dot: false });
    return files.filter((f) => isMatch(f));
  }
  return files.filter((f) => wanted === '' || f === wanted || f.startsWith(`${wanted}/`));
}
