import path from 'node:path';
import type { KeyValue } from 'hyparquet';
import type { ContainerFormat } from './containers.js';
import { plural } from './fsutil.js';
import { parquetClassNames, type ClassNames, type ParquetClassNameOptions } from './parquetClassNames.js';
import { columnNames, readColumn, topColumn, withParquetFile, type ParquetFile } from './parquetFile.js';
import { isParquetGlob, isParquetName, resolveParquetSpec } from './parquetSpec.js';
import { InputError, type ClassificationDataset, type ClassificationItem } from './types.js';

/** Hugging Face's layout: an Image feature (struct of bytes and path) and a ClassLabel (integers). */
export const IMAGE_COLUMN = 'image';
export const LABEL_COLUMN = 'label';
/** Columns that make a file a captioned set, in the order they are looked for. */
export const CAPTION_COLUMNS = ['caption', 'captions', 'text', 'sentences'];

export interface ParquetLoadOptions extends ParquetClassNameOptions {
  /** Relative specs resolve against this folder. */
  readonly cwd: string;
  /** Which split of a folder to read (default test). */
  readonly split?: string;
  readonly name?: string;
}

export const parquetFormat: ContainerFormat = {
  name: 'parquet',
  claimsSpec: isParquetGlob,
  claimsFile: isParquetName,
  claimsFolder: (names) => names.some(isParquetName),
  load: (spec, options) =>
    loadParquetDataset(spec, {
      cwd: options.cwd,
      split: options.split,
      classnames: options.classnames === undefined ? undefined : path.resolve(options.cwd, options.classnames),
    }),
};

/** What loading keeps of one file: its labels, never its image bytes. */
interface FileRows {
  readonly file: string;
  readonly labels: readonly number[];
  readonly metadata: readonly KeyValue[] | undefined;
}

/**
 * Reads a .parquet file, a folder of them (one split) or a glob. Only the footers and the label
 * column are read here; each image's bytes are read when the run needs them (parquetCells.ts).
 */
export async function loadParquetDataset(spec: string, options: ParquetLoadOptions): Promise<ClassificationDataset> {
  const { root, dir, files, name } = await resolveParquetSpec(spec, options.cwd, options.split);
  const parts: FileRows[] = [];
  for (const file of files) parts.push(await withParquetFile(file, readRows));
  const first = parts[0]!;
  const classes = await parquetClassNames(dir, LABEL_COLUMN, { path: first.file, metadata: first.metadata }, options);
  const items: ClassificationItem[] = [];
  for (const part of parts) {
    const id = path.relative(dir, part.file).split(path.sep).join('/');
    part.labels.forEach((label, row) => {
      checkLabel(label, row, part.file, classes);
      items.push({ id: `${id}#${row}`, source: { kind: 'parquet', container: part.file, row, column: IMAGE_COLUMN }, label });
    });
  }
  if (items.length === 0) throw new InputError(`${root}: the Parquet ${files.length === 1 ? 'file holds' : 'files hold'} no rows`);
  return { task: 'classification', name: options.name ?? name, format: 'parquet', root, classNames: classes.names, items };
}

async function readRows(parquet: ParquetFile): Promise<FileRows> {
  checkImageColumn(parquet);
  const label = topColumn(parquet, LABEL_COLUMN);
  if (label === undefined) throw noLabelColumn(parquet);
  if (label.element.type !== 'INT32' && label.element.type !== 'INT64') {
    throw new InputError(
      `${parquet.path}: column "${LABEL_COLUMN}" holds ${label.element.type ?? 'a group'}, not integers; ` +
        'expected class indices (Hugging Face ClassLabel) with the names in the dataset card or --classnames',
    );
  }
  const values = await readColumn(parquet, LABEL_COLUMN);
  const labels = values.map((value, row) => {
    if (typeof value === 'bigint' || typeof value === 'number') return Number(value);
    throw new InputError(`${parquet.path}: row ${row}: no label (null); every row needs a class index`);
  });
  return { file: parquet.path, labels, metadata: parquet.metadata.key_value_metadata };
}

/** Hugging Face's Image feature is a struct of `bytes` and `path`; a plain binary column is taken too. */
function checkImageColumn(parquet: ParquetFile): void {
  const image = topColumn(parquet, IMAGE_COLUMN);
  if (image === undefined) {
    throw new InputError(
      `${parquet.path}: no "${IMAGE_COLUMN}" column (Hugging Face's Image feature, a struct of bytes and path); ` +
        `the file has ${plural(parquet.schema.children.length, 'column')}: ${columnNames(parquet).join(', ')}`,
    );
  }
  if (image.element.type === 'BYTE_ARRAY') return;
  const bytes = image.children.find((c) => c.element.name === 'bytes');
  if (bytes?.element.type !== 'BYTE_ARRAY') {
    const fields = image.children.map((c) => c.element.name).join(', ') || image.element.type;
    throw new InputError(
      `${parquet.path}: column "${IMAGE_COLUMN}" is not an image (expected a struct of binary "bytes" and string "path", ` +
        `or binary); it holds ${fields ?? 'nothing'}`,
    );
  }
}

function noLabelColumn(parquet: ParquetFile): InputError {
  const captions = CAPTION_COLUMNS.find((c) => topColumn(parquet, c) !== undefined);
  if (captions !== undefined) {
    return new InputError(
      `${parquet.path}: images with captions (column "${captions}") and no "${LABEL_COLUMN}" column: ` +
        'retrieval from Parquet files is not supported yet; convert the captions to a CSV or JSONL caption file',
    );
  }
  return new InputError(
    `${parquet.path}: no "${LABEL_COLUMN}" column of class indices; the file has columns: ${columnNames(parquet).join(', ')}`,
  );
}

function checkLabel(label: number, row: number, file: string, classes: ClassNames): void {
  if (Number.isInteger(label) && label >= 0 && label < classes.names.length) return;
  const unlabelled = label === -1 ? ' (-1 marks an unlabelled row in Hugging Face datasets: use a split that has labels)' : '';
  throw new InputError(
    `${file}: row ${row}: label ${label} has no class name${unlabelled}; ${classes.source} lists ` +
      `${plural(classes.names.length, 'name')} (labels 0 to ${classes.names.length - 1})`,
  );
}
