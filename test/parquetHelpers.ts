import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer, type ColumnSource, type KeyValue, type SchemaElement } from 'hyparquet-writer';
import { loadDataset } from '../src/datasets/index.js';
import { ROOT } from './helpers.js';

/** One row in Hugging Face's layout: the Image feature's struct (null for a null struct) and a ClassLabel. */
export interface HfRow {
  readonly image: { readonly bytes: Uint8Array | null; readonly path: string | null } | null;
  readonly label: number | null;
}

export interface WriteOptions {
  readonly rowGroupSize?: number;
  readonly codec?: 'UNCOMPRESSED' | 'SNAPPY' | 'GZIP';
  readonly kvMetadata?: KeyValue[];
}

/** The schema `datasets` writes for {image: Image(), label: ClassLabel(...)}. */
const HF_SCHEMA: SchemaElement[] = [
  { name: 'schema', num_children: 2 },
  { name: 'image', repetition_type: 'OPTIONAL', num_children: 2 },
  { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
  { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'label', type: 'INT64', repetition_type: 'OPTIONAL' },
];

/** A Parquet file in Hugging Face's layout (snappy unless `codec` says otherwise). */
export function hfParquet(rows: readonly HfRow[], options: WriteOptions = {}): Uint8Array {
  return table(
    [
      { name: 'image', data: rows.map((r) => r.image) },
      { name: 'label', data: rows.map((r) => (r.label === null ? null : BigInt(r.label))) },
    ],
    options,
    HF_SCHEMA,
  );
}

/** Any columns, types guessed by the writer: for files that are not in the expected layout. */
export function table(columnData: ColumnSource[], options: WriteOptions = {}, schema?: SchemaElement[]): Uint8Array {
  const { rowGroupSize, codec = 'SNAPPY', kvMetadata } = options;
  const compressors = { GZIP: (input: Uint8Array) => new Uint8Array(gzipSync(input)) };
  return new Uint8Array(parquetWriteBuffer({ columnData, schema, rowGroupSize, codec, compressors, kvMetadata }));
}

/** A dataset card whose front matter names the classes as `datasets` writes them ('0': name), or as a list. */
export function datasetCard(names: readonly string[], form: 'map' | 'list' = 'map'): string {
  const listed =
    form === 'map' ? names.map((n, i) => `          '${i}': ${JSON.stringify(n)}`) : names.map((n) => `          - ${JSON.stringify(n)}`);
  return [
    '---',
    'license: mit',
    'dataset_info:',
    '  features:',
    '  - name: image',
    '    dtype: image',
    '  - name: label',
    '    dtype:',
    '      class_label:',
    '        names:',
    ...listed,
    'configs:',
    '- config_name: default',
    '  data_files:',
    '  - split: test',
    '    path: data/test-*',
    '---',
    '# A dataset',
    '',
  ].join('\n');
}

/** Writes `files` (relative path → content) under `dir`. */
export function writeTree(dir: string, files: Readonly<Record<string, string | Uint8Array>>): string {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

/** The images of a class-folder dataset as rows, in its item order, and its class names. */
export async function rowsOfFolder(dir: string): Promise<{ rows: HfRow[]; classNames: readonly string[] }> {
  const dataset = await loadDataset(dir, { cwd: ROOT, datasetsDir: path.join(ROOT, 'datasets') });
  const rows = dataset.items.map((item): HfRow => {
    if (item.source.kind !== 'file') throw new Error('expected image files');
    return { image: { bytes: new Uint8Array(readFileSync(item.source.path)), path: item.id }, label: item.label };
  });
  return { rows, classNames: dataset.classNames };
}

/** A demo image's bytes (datasets/fashion-mnist-1k). */
export function demoImage(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(ROOT, 'datasets/fashion-mnist-1k', rel)));
}
