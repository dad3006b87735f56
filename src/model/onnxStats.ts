// Size of an ONNX model without loading it. Models run to hundreds of megabytes, almost all tensor
// raw_data, so the protobuf wire format is walked through a small window of positional reads and
// every payload we do not need is skipped by its length. Field numbers are onnx/onnx.proto's.
import { open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';

export interface OnnxStats {
  readonly parameters: number;
  readonly bytes: number;
}

const VARINT = 0;
const LEN = 2;
const FIXED_SIZE: Readonly<Record<number, number>> = { 1: 8, 5: 4 }; // wire types I64 and I32
const EXTERNAL = 1; // TensorProto.DataLocation.EXTERNAL
const WINDOW = 64 * 1024;

/** Positional reads through one small window, shared by every cursor into the file. */
function windowed(handle: FileHandle): (pos: number) => Promise<number> {
  const window = Buffer.alloc(WINDOW);
  let start = 0;
  let length = 0;
  return async (pos) => {
    if (pos < start || pos >= start + length) {
      start = pos;
      length = (await handle.read(window, 0, WINDOW, pos)).bytesRead;
      if (length === 0) throw new Error(`truncated at byte ${pos}`);
    }
    return window[pos - start]!;
  };
}

/** A read position in one message, [pos, end); a nested message gets its own cursor with a nearer end. */
class Cursor {
  constructor(
    private readonly byteAt: (pos: number) => Promise<number>,
    public pos: number,
    public readonly end: number,
  ) {}

  // Arithmetic, not bit operations: JavaScript's bitwise operators stop at 32 bits.
  async varint(): Promise<number> {
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) throw new Error(`truncated at byte ${this.pos}`);
      const b = await this.byteAt(this.pos++);
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    throw new Error(`varint longer than 10 bytes before byte ${this.pos}`);
  }

  /** The next `length` bytes, by default a LEN field's payload, as a cursor of their own; this one moves past them. */
  async sub(length?: number): Promise<Cursor> {
    length ??= await this.varint();
    if (this.pos + length > this.end) throw new Error(`field of ${length} bytes at ${this.pos} runs past its message`);
    this.pos += length;
    return new Cursor(this.byteAt, this.pos - length, this.pos);
  }

  async text(): Promise<string> {
    const bytes: number[] = [];
    for (const field = await this.sub(); field.pos < field.end;) bytes.push(await field.byteAt(field.pos++));
    return Buffer.from(bytes).toString('utf8');
  }

  /** Field numbers and wire types; the caller reads or skips each field's value before the next. */
  async *fields(): AsyncGenerator<[field: number, wire: number]> {
    while (this.pos < this.end) {
      const key = await this.varint();
      if (key < 8) throw new Error(`field number 0 at byte ${this.pos}`);
      yield [Math.floor(key / 8), key % 8];
    }
  }

  async skipField(wire: number): Promise<void> {
    if (wire === VARINT) await this.varint();
    else if (wire === LEN || FIXED_SIZE[wire] !== undefined) await this.sub(FIXED_SIZE[wire]);
    else throw new Error(`unsupported wire type ${wire} at byte ${this.pos}`);
  }

  /** One element of a repeated int64 field, or all of them: writers emit it packed (LEN) or not. */
  async int64s(wire: number, into: number[]): Promise<void> {
    if (wire === VARINT) into.push(await this.varint());
    else if (wire !== LEN) await this.skipField(wire);
    else for (const packed = await this.sub(); packed.pos < packed.end;) into.push(await packed.varint());
  }
}

/** Element count of a TensorProto (dims: field 1), or if `sparse` a SparseTensorProto (dense dims: 3; values 1, indices 2). */
async function tensor(c: Cursor, locations: Set<string>, sparse = false): Promise<number> {
  const dims: number[] = [];
  let location: string | undefined; // of external data, which goes into `locations`
  let dataLocation = 0;
  for await (const [field, wire] of c.fields()) {
    if (field === (sparse ? 3 : 1)) await c.int64s(wire, dims);
    else if (sparse && field <= 2 && wire === LEN) await tensor(await c.sub(), locations);
    else if (!sparse && field === 14 && wire === VARINT) dataLocation = await c.varint();
    else if (!sparse && field === 13 && wire === LEN) {
      const entry = await c.sub(); // StringStringEntryProto: key (1), value (2)
      const strings = new Map<number, string>();
      for await (const [f, w] of entry.fields()) {
        if (w === LEN) strings.set(f, await entry.text());
        else await entry.skipField(w);
      }
      if (strings.get(1) === 'location') location = strings.get(2);
    } else await c.skipField(wire);
  }
  // onnx itself reads external_data only when data_location says EXTERNAL (uses_external_data).
  if (dataLocation === EXTERNAL && location !== undefined) locations.add(location);
  return dims.reduce((a, b) => a * b, 1);
}

/** GraphProto: its initializer (5) and sparse_initializer (15) fields. */
async function graph(c: Cursor, locations: Set<string>): Promise<number> {
  let parameters = 0;
  for await (const [field, wire] of c.fields()) {
    if ((field === 5 || field === 15) && wire === LEN) parameters += await tensor(await c.sub(), locations, field === 15);
    else await c.skipField(wire);
  }
  return parameters;
}

/** Parameter count (sum over the graph's initializers — and sparse_initializer if present — of the product of their dims) and bytes on disk (the .onnx file plus any external-data files its initializers name). */
export async function onnxStats(file: string): Promise<OnnxStats> {
  const handle = await open(file, 'r');
  const locations = new Set<string>();
  let parameters: number | undefined;
  let bytes: number;
  try {
    bytes = (await handle.stat()).size;
    const model = new Cursor(windowed(handle), 0, bytes);
    for await (const [field, wire] of model.fields()) {
      if (field === 7 && wire === LEN) parameters = (parameters ?? 0) + (await graph(await model.sub(), locations));
      else await model.skipField(wire);
    }
    // Short text, or a file cut before its graph, can still parse as protobuf; a model has a graph.
    if (parameters === undefined) throw new Error('no graph');
  } catch (error) {
    throw new InputError(`${file} is not a readable ONNX model: ${(error as Error).message}`, { cause: error });
  } finally {
    await handle.close();
  }
  // Tensors usually share one data file; the Set counts it once.
  for (const location of locations) bytes += (await stat(path.resolve(path.dirname(file), location))).size;
  return { parameters, bytes };
}
