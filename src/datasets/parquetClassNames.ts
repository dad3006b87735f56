import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { KeyValue } from 'hyparquet';
import { parse } from 'yaml';
import { z } from 'zod';
import { parseJsonNames, parseTxtNames, requireList } from './classnames.js';
import { isNotFound, stripBom } from './fsutil.js';
import { InputError } from './types.js';

export interface ParquetClassNameOptions {
  /** A class-names file (`--classnames`): one name per line, or a JSON array, in label order. */
  readonly classnames?: string;
  /** Names given inline (a descriptor's `classnames`), and where they come from. */
  readonly classNames?: readonly string[];
  readonly classNamesSource?: string;
}

export interface ClassNames {
  readonly names: readonly string[];
  /** Where they came from, for error messages. */
  readonly source: string;
}

const CARD = 'README.md';
const namesSchema = z.union([z.array(z.string()), z.record(z.string(), z.string())]);
const featureSchema = z.object({ name: z.string(), dtype: z.object({ class_label: z.object({ names: namesSchema }) }) });
const infoSchema = z.object({ config_name: z.string().optional(), features: z.array(z.unknown()).optional() });
const cardSchema = z.object({ dataset_info: z.union([infoSchema, z.array(infoSchema)]).optional() });
/** What `datasets` stores in each Parquet file it writes (key "huggingface"). */
const embeddedSchema = z.object({ info: z.object({ features: z.record(z.string(), z.unknown()) }) });

/**
 * Class names, in label order: the given names or file win; else the dataset card (README.md beside
 * the files or one folder up, `dataset_info.features[label].dtype.class_label.names`); else the
 * "huggingface" metadata `datasets` writes into the file. None of them is an error saying where it looked.
 */
export async function parquetClassNames(
  dir: string,
  label: string,
  file: { readonly path: string; readonly metadata: readonly KeyValue[] | undefined },
  options: ParquetClassNameOptions,
): Promise<ClassNames> {
  if (options.classnames !== undefined) return namesFile(options.classnames);
  if (options.classNames !== undefined) {
    const source = options.classNamesSource ?? 'classnames';
    return { names: requireList(options.classNames, source), source };
  }
  const looked: string[] = [];
  for (const card of [path.join(dir, CARD), path.join(path.dirname(dir), CARD)]) {
    const found = await cardNames(card, label, path.basename(dir), looked);
    if (found !== undefined) return found;
  }
  const embedded = embeddedNames(file.metadata, label);
  if (embedded !== undefined) return { names: requireList(embedded, `${file.path}: "huggingface" metadata`), source: file.path };
  looked.push(`the "huggingface" metadata of ${file.path} (none for "${label}")`);
  throw new InputError(
    `no class names for the "${label}" column: looked in ${looked.join(', ')}; ` +
      'pass --classnames <file> (one name per line, in label order) or add class_label names to the dataset card',
  );
}

async function namesFile(file: string): Promise<ClassNames> {
  let text: string;
  try {
    text = stripBom(await readFile(file, 'utf8'));
  } catch (err) {
    if (isNotFound(err)) throw new InputError(`class-names file ${file} (--classnames) does not exist`);
    throw err;
  }
  const mapping = file.toLowerCase().endsWith('.json') ? parseJsonNames(text, file) : parseTxtNames(text, file);
  return { names: requireList(mapping, file), source: file };
}

/** The card's names for `label`; undefined (with a note in `looked`) when it has none. */
async function cardNames(card: string, label: string, folder: string, looked: string[]): Promise<ClassNames | undefined> {
  let text: string;
  try {
    text = stripBom(await readFile(card, 'utf8'));
  } catch (err) {
    if (!isNotFound(err)) throw err;
    looked.push(`${card} (missing)`);
    return undefined;
  }
  const front = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(\r?\n|$)/.exec(text);
  if (front === null) {
    looked.push(`${card} (no YAML front matter)`);
    return undefined;
  }
  let value: unknown;
  try {
    // The leading newline keeps the parser's line numbers those of the file.
    value = parse(`\n${front[1]!}`);
  } catch (err) {
    throw new InputError(`${card}: cannot parse its YAML front matter (${(err as Error).message}); fix it or pass --classnames`);
  }
  const infos = cardSchema.safeParse(value).data?.dataset_info;
  const configs = (Array.isArray(infos) ? infos : infos === undefined ? [] : [infos]).flatMap((info) => {
    const names = info.features?.map((f) => featureSchema.safeParse(f).data).find((f) => f?.name === label)?.dtype.class_label.names;
    return names === undefined ? [] : [{ config: info.config_name ?? 'default', names }];
  });
  // Several configs: Hugging Face keeps each in a folder named after it, else the default one.
  const chosen =
    configs.length === 1 ? configs[0] : (configs.find((c) => c.config === folder) ?? configs.find((c) => c.config === 'default'));
  if (chosen === undefined) {
    const which = configs.length === 0 ? `no class_label names for "${label}"` : `several configs (${configs.map((c) => c.config).join(', ')}), none named ${folder}`;
    looked.push(`${card} (${which})`);
    return undefined;
  }
  const source = `${card}: dataset_info.features[${label}].dtype.class_label.names`;
  return { names: requireList(namesInOrder(chosen.names, source), source), source };
}

/** Cards write names as a list or as a map from label value ("0", "1", …) to name. */
function namesInOrder(names: readonly string[] | Readonly<Record<string, string>>, source: string): string[] {
  if (Array.isArray(names)) return [...(names as readonly string[])];
  const entries = Object.entries(names);
  return entries.map((_, i) => {
    const name = (names as Readonly<Record<string, string>>)[String(i)];
    if (name === undefined) throw new InputError(`${source}: no name for label ${i}; name every label from 0 to ${entries.length - 1}`);
    return name;
  });
}

function embeddedNames(metadata: readonly KeyValue[] | undefined, label: string): string[] | undefined {
  const value = metadata?.find((kv) => kv.key === 'huggingface')?.value;
  if (value === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return undefined;
  }
  const feature = embeddedSchema.safeParse(json).data?.info.features[label];
  return z.object({ names: z.array(z.string()) }).safeParse(feature).data?.names;
}
