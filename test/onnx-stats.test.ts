import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { onnxStats } from '../src/model/onnxStats.js';
import { ROOT, tempDir } from './helpers.js';

// Computed once with python3-onnx 1.12 (not at test time):
//   m = onnx.load(path); sum(int(numpy.prod(t.dims)) for t in m.graph.initializer)
// None of these files has a sparse_initializer or external data.
const PINNED: Readonly<Record<string, number>> = {
  'test/fixtures/tiny-clip/onnx/text_model.onnx': 42112,
  'test/fixtures/tiny-clip/onnx/text_model_quantized.onnx': 43296,
  'test/fixtures/tiny-clip/onnx/vision_model.onnx': 125216,
  'test/fixtures/tiny-clip/onnx/vision_model_quantized.onnx': 126400,
  'models/fashion-clip-mini/onnx/text_model.onnx': 187840,
  'models/fashion-clip-mini/onnx/vision_model.onnx': 50048,
};
// The demo model's q8 build (tools/quantize/quantize_q8.py, deterministic) is newer than the rest;
// these are checked where the files are present.
const PINNED_IF_PRESENT: Readonly<Record<string, number>> = {
  'models/fashion-clip-mini/onnx/text_model_quantized.onnx': 191424,
  'models/fashion-clip-mini/onnx/vision_model_quantized.onnx': 50688,
};

// Just enough of a protobuf writer to build ModelProtos by hand.
function varint(n: number): number[] {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 0x80)) out.push((n % 0x80) | 0x80);
  return [...out, n];
}
const tag = (field: number, wire: number): number[] => varint(field * 8 + wire);
const int = (field: number, n: number): number[] => [...tag(field, 0), ...varint(n)];
const len = (field: number, payload: readonly number[] | string): number[] => {
  const bytes = typeof payload === 'string' ? [...Buffer.from(payload)] : payload;
  return [...tag(field, 2), ...varint(bytes.length), ...bytes];
};
const entry = (key: string, value: string): number[] => len(13, [...len(1, key), ...len(2, value)]);
const externalTensor = (name: string, dims: number[]): number[] => [
  ...dims.flatMap((d) => int(1, d)), // dims unpacked: one varint field per element
  ...int(2, 1), // data_type FLOAT
  ...len(8, name),
  ...entry('location', 'weights.bin'),
  ...entry('offset', '0'),
  ...int(14, 1), // data_location EXTERNAL
];

describe('onnxStats', () => {
  it.for(Object.entries({ ...PINNED, ...PINNED_IF_PRESENT }))('%s matches onnx', async ([file, parameters], { skip }) => {
    const full = path.join(ROOT, file);
    if (file in PINNED_IF_PRESENT && !existsSync(full)) skip();
    expect(await onnxStats(full)).toEqual({ parameters, bytes: statSync(full).size });
  });

  it('reads a hand-built model: packed and unpacked dims, shared external data, a sparse initializer', async () => {
    const dir = tempDir('onnx-stats-');
    const packed = [
      ...len(1, [...varint(3), ...varint(300)]), // dims [3, 300], packed
      ...int(2, 1),
      ...len(8, 'a'),
      ...len(9, new Array<number>(3600).fill(0)), // raw_data, skipped by its length
    ];
    const sparse = [...len(1, int(1, 4)), ...len(2, int(1, 4)), ...len(3, [...varint(10), ...varint(10)])];
    const graph = [
      ...len(1, len(4, 'Identity')), // a node, skipped
      ...len(2, 'g'),
      ...len(5, packed),
      ...len(5, externalTensor('b', [2, 5])),
      ...len(5, externalTensor('c', [7])),
      ...len(15, sparse),
    ];
    const model = [
      ...int(1, 8), // ir_version
      ...tag(99, 1),
      ...new Array<number>(8).fill(1), // unknown fixed64 and fixed32 fields
      ...tag(98, 5),
      ...new Array<number>(4).fill(1),
      ...len(7, graph),
      ...len(8, int(2, 17)), // opset_import
    ];
    writeFileSync(path.join(dir, 'model.onnx'), Buffer.from(model));
    writeFileSync(path.join(dir, 'weights.bin'), Buffer.alloc(68));
    // 3·300 + 2·5 + 7 + the sparse tensor's dense 10·10; weights.bin counts once for b and c.
    expect(await onnxStats(path.join(dir, 'model.onnx'))).toEqual({ parameters: 1017, bytes: model.length + 68 });
  });

  it('names the file when it is truncated or not ONNX', async () => {
    const dir = tempDir('onnx-stats-');
    const whole = readFileSync(path.join(ROOT, 'test/fixtures/tiny-clip/onnx/text_model.onnx'));
    const cut = path.join(dir, 'cut.onnx');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    await expect(onnxStats(cut)).rejects.toThrow(cut);
    const text = path.join(dir, 'notes.onnx');
    writeFileSync(text, 'not a model\n');
    await expect(onnxStats(text)).rejects.toThrow(text);
  });
});
