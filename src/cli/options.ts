import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number.');
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative whole number.');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number.');
  return n;
}

/** A share strictly between 0 and 1, e.g. the held-out part of a split. */
export function shareBetween0And1(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError('expected a share between 0 and 1, e.g. 0.5.');
  return n;
}

/** "1,5,10" → [1, 5, 10]. */
export function kList(value: string): number[] {
  const ks = value.split(',').map((k) => Number(k.trim()));
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1))
    throw new InvalidArgumentError('expected positive whole numbers separated by commas, e.g. 1,5,10.');
  return ks;
}

const DTYPES = ['fp32', 'fp16', 'q8'];

/** "fp32,q8" → ["fp32", "q8"]. */
export function dtypeList(value: string): string[] {
  const dtypes = value.split(',').map((d) => d.trim());
  if (dtypes.some((d) => !DTYPES.includes(d)))
    throw new InvalidArgumentError(`expected ${DTYPES.join(', ')} or several separated by commas.`);
  return dtypes;
}
