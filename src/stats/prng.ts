/**
 * Mulberry32: a 32-bit seeded generator, chosen because it is a few integer operations that any
 * language reproduces bit for bit (tools/reference/compare_stats.py re-implements it in Python),
 * so a bootstrap interval is the same on every machine and can be checked independently.
 * Not for cryptography; its 2^32 period is ample for bootstrap resampling.
 */
export class Mulberry32 {
  private state: number;

  constructor(seed: number) {
    // Kept as a signed 32-bit integer: V8 then holds it unboxed, about twice as fast as uint32.
    this.state = seed | 0;
  }

  /** The next unsigned 32-bit output. */
  nextUint32(): number {
    const s = (this.state + 0x6d2b79f5) | 0;
    this.state = s;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }

  /**
   * An index in [0, n): floor(u32 · n / 2^32). Exact in doubles while u32 · n < 2^53 (n < 2^21),
   * and trivially reproducible elsewhere; the bias (at most n / 2^32) is far below bootstrap noise.
   */
  nextIndex(n: number): number {
    assertIndexRange(n);
    return this.nextIndexUnchecked(n);
  }

  /** nextIndex without the range check, for hot loops that checked n once. */
  nextIndexUnchecked(n: number): number {
    return Math.floor((this.nextUint32() * n) / 4294967296);
  }
}

export function assertIndexRange(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n >= 2 ** 21) throw new RangeError(`index range must be a whole number in [1, 2^21), got ${n}`);
}
