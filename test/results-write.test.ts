import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prettyJsonChunks, writeResults } from '../src/results/write.js';
import type { Results } from '../src/results/schema.js';
import { tempDir } from './helpers.js';

describe('results.json is streamed', () => {
  it.each([
    ['empty object', {}],
    ['empty arrays and objects, undefined and null fields', { a: [], b: {}, c: undefined, d: null }],
    [
      'nested arrays, escapes and non-ASCII',
      {
        items: [
          { id: 'a\nb "q"', p: [{ l: 'é😀', p: 0.5 }] },
          { id: 'y', p: [] },
        ],
        z: [[1, 2], []],
      },
    ],
  ])('gives exactly JSON.stringify(value, null, 2) for %s', (_, value) => {
    expect([...prettyJsonChunks(value)].join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });

  it('writes in pieces no larger than one item, and leaves no temporary file behind', async () => {
    const items = Array.from({ length: 500 }, (_, i) => ({
      id: `img/${i}.png`,
      label: 'bag',
      predictions: { basic: [{ label: 'bag', prob: i / 500 }] },
    }));
    const results = { schemaVersion: 1, task: 'classification', items } as unknown as Results;
    const biggest = Math.max(...[...prettyJsonChunks(results)].map((c) => c.length));
    expect(biggest).toBeLessThan(JSON.stringify(items[0], null, 2).length * 2);
    const dir = tempDir('results-');
    const file = await writeResults(dir, results);
    expect(readFileSync(file, 'utf8')).toBe(`${JSON.stringify(results, null, 2)}\n`);
    expect(readdirSync(dir)).toEqual([path.basename(file)]);
  });
});
