import { tarEntries, type TarFile, type TarMember } from './tarIndex.js';
import { InputError } from './types.js';

/** The files of one WebDataset sample, by extension (lower case, as WebDataset reads them). */
export interface WdsSample {
  /** Undefined only for a sample whose first header is cut before its name. */
  readonly key: string | undefined;
  readonly members: ReadonlyMap<string, TarMember>;
  /** The shard ends inside this sample: in a member's data or in a header. */
  readonly cut: boolean;
}

/**
 * WebDataset's rule (webdataset's base_plus_ext): the key is the member's path up to the first dot
 * of its file name, the extension everything after that dot (`a/b.seg.png` → `a/b`, `seg.png`).
 * Names without a dot, or starting with one, belong to no sample.
 */
const KEY_AND_EXTENSION = /^((?:.*\/|)[^.]+)\.([^/]*)$/;

export function splitMemberName(name: string): { key: string; extension: string } | undefined {
  const match = KEY_AND_EXTENSION.exec(name);
  return match === null ? undefined : { key: match[1]!, extension: match[2]!.toLowerCase() };
}

/** WebDataset skips top-level `__name__` members (shard metadata). */
function isMeta(name: string): boolean {
  return !name.includes('/') && name.startsWith('__') && name.endsWith('__');
}

/**
 * A shard's samples in archive order: consecutive members sharing a key, as WebDataset groups them.
 * A key that comes back after another one, or a member name given twice, is an error (WebDataset
 * raises on the second; here it would also give two items one id). After a cut sample, nothing.
 */
export function* shardSamples(tar: TarFile): Generator<WdsSample> {
  const seen = new Set<string>();
  let current: { key: string; members: Map<string, TarMember> } | undefined;
  for (const entry of tarEntries(tar)) {
    if (entry.kind === 'cut') {
      const key = entry.name === undefined ? undefined : splitMemberName(entry.name)?.key;
      if (current !== undefined && key === current.key) {
        yield { ...current, cut: true };
        return;
      }
      if (current !== undefined) yield { ...current, cut: false };
      yield { key, members: new Map(), cut: true };
      return;
    }
    const parts = isMeta(entry.name) ? undefined : splitMemberName(entry.name);
    if (parts === undefined) continue;
    if (current !== undefined && parts.key !== current.key) {
      yield { ...current, cut: false };
      current = undefined;
    }
    if (current === undefined) {
      if (seen.has(parts.key)) {
        throw new InputError(
          `${tar.path}: sample "${parts.key}" appears twice, apart (member ${entry.name} at byte ${entry.offset}); ` +
            "a sample's files must be consecutive and its key unique in the shard",
        );
      }
      seen.add(parts.key);
      current = { key: parts.key, members: new Map() };
    }
    if (current.members.has(parts.extension)) {
      throw new InputError(`${tar.path}: sample "${parts.key}" has two .${parts.extension} members; keep one`);
    }
    current.members.set(parts.extension, entry);
    if (entry.truncated) {
      yield { ...current, cut: true };
      return;
    }
  }
  if (current !== undefined) yield { ...current, cut: false };
}
