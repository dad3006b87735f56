import { sha256 } from '../util/hash.js';
import { InputError } from './types.js';

/** Item indices of the two halves of a holdout split, each in dataset order. */
export interface HoldoutSplit {
  readonly selection: readonly number[];
  readonly heldOut: readonly number[];
}

/**
 * Splits items per class into a part to choose on and a held-out part to judge on: within each
 * class, items are ranked by sha256(`${seed}:split:${id}`) and the first round(n · heldOut) are held
 * out. It depends only on the seed and the ids (any machine, any listing order), keeps each class's
 * share in both halves, and is independent of the subset that `--limit` drew with the same seed.
 */
export function holdoutSplit(
  items: readonly { readonly id: string; readonly label: number }[],
  options: { readonly heldOut: number; readonly seed: number },
): HoldoutSplit {
  const { heldOut, seed } = options;
  if (!(heldOut > 0 && heldOut < 1)) throw new InputError(`the held-out share must be between 0 and 1 (got ${heldOut})`);
  if (!Number.isSafeInteger(seed)) throw new InputError(`seed must be a whole number (got ${seed})`);
  const byClass = new Map<number, number[]>();
  items.forEach((item, i) => {
    const members = byClass.get(item.label);
    if (members === undefined) byClass.set(item.label, [i]);
    else members.push(i);
  });
  const held = new Set<number>();
  for (const members of byClass.values()) {
    const keys = new Map(members.map((i) => [i, sha256(`${seed}:split:${items[i]!.id}`)]));
    const ranked = [...members].sort((a, b) => (keys.get(a)! < keys.get(b)! ? -1 : keys.get(a)! > keys.get(b)! ? 1 : a - b));
    ranked.slice(0, Math.round(members.length * heldOut)).forEach((i) => held.add(i));
  }
  const all = items.map((_, i) => i);
  return { selection: all.filter((i) => !held.has(i)), heldOut: all.filter((i) => held.has(i)) };
}
