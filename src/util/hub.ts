import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ReadableStream } from 'node:stream/web';
import envPaths from 'env-paths';
import { InputError } from '../errors.js';
import { writeChunksAtomically } from './atomicWrite.js';

/**
 * Downloads the files of a hub model (or dataset) into a folder of its own, so that from then on
 * it is read like any local model folder (or dataset path). transformers.js could fetch them itself, but it sends HF_TOKEN
 * only to huggingface.co (never to an HF_ENDPOINT mirror), keeps its cache inside node_modules by
 * default, lays a revision out differently from `main`, and names the wrong folder when an
 * offline file is missing; see README, "Models".
 */

export const MODEL_CACHE_ENV = 'CLIPBENCH_MODEL_CACHE';
export const DATASET_CACHE_ENV = 'CLIPBENCH_DATASET_CACHE';
export const DEFAULT_ENDPOINT = 'https://huggingface.co';
export const DEFAULT_REVISION = 'main';

export interface HubSettings {
  /** Base URL of the hub or a mirror, without a trailing slash. */
  readonly endpoint: string;
  /** Sent as `Authorization: Bearer …`; null sends none. */
  readonly token: string | null;
  /** Never touch the network: a file that is not cached is an error. */
  readonly offline: boolean;
  /** Where downloaded models live, one folder per model and revision. */
  readonly cacheDir: string;
  /** Where downloaded dataset files live, one folder per dataset and revision. */
  readonly datasetCacheDir: string;
}

/** What HF_HUB_OFFLINE accepts as true, as huggingface_hub reads it. */
const TRUE_VALUES = new Set(['1', 'on', 'yes', 'true']);

/** HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, $CLIPBENCH_MODEL_CACHE and $CLIPBENCH_DATASET_CACHE, else the user cache folder. */
export function hubSettings(env: NodeJS.ProcessEnv = process.env): HubSettings {
  const endpoint = env.HF_ENDPOINT?.trim() || DEFAULT_ENDPOINT;
  if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) {
    throw new InputError(`HF_ENDPOINT "${endpoint}" is not an http(s) URL; set it to a hub mirror like https://hf-mirror.example.com`);
  }
  return {
    endpoint: endpoint.replace(/\/+$/, ''),
    token: env.HF_TOKEN?.trim() || null,
    offline: TRUE_VALUES.has((env.HF_HUB_OFFLINE ?? '').trim().toLowerCase()),
    cacheDir: path.resolve(env[MODEL_CACHE_ENV] || path.join(envPaths('clipbench', { suffix: '' }).cache, 'models')),
    datasetCacheDir: path.resolve(env[DATASET_CACHE_ENV] || path.join(envPaths('clipbench', { suffix: '' }).cache, 'datasets')),
  };
}

/** Hub ids as the hub accepts them (`owner/name` or `name`); `--` is what keeps the folders apart. */
const HUB_ID = /^(?:[\w.-]{1,96}\/)?[\w.-]{1,96}$/;

export function isHubId(id: string): boolean {
  return HUB_ID.test(id) && !id.includes('..') && !id.includes('--') && !id.startsWith('.');
}

/**
 * `<cacheDir>/<owner>--<name>/<revision>`: ids cannot hold `--`, and the revision is URI-encoded,
 * so no model's or revision's folder lies inside another's (`refs/pr/1` becomes `refs%2Fpr%2F1`).
 */
export function hubModelFolder(cacheDir: string, id: string, revision: string): string {
  if (revision.trim() === '' || revision === '.' || revision === '..') {
    throw new InputError(`--revision "${revision}" is not a branch, tag or commit`);
  }
  return path.join(cacheDir, id.replace('/', '--'), encodeURIComponent(revision));
}

/** One revision of one model or dataset repository on one hub: what each request and error message needs. */
interface HubRepo {
  readonly type: 'model' | 'dataset';
  readonly id: string;
  readonly revision: string;
  readonly folder: string;
  readonly settings: HubSettings;
}

/**
 * Makes sure `files` of `id` at `revision` are in its cache folder and returns the folder. A
 * cached file is used as it is, without asking the hub again: a run is reproducible from the
 * cache, and the weights' sha256 in results.json says which files it used.
 */
export function fetchHubFiles(id: string, revision: string, files: readonly string[], settings: HubSettings): Promise<string> {
  return fetchRepoFiles({ type: 'model', id, revision, folder: hubModelFolder(settings.cacheDir, id, revision), settings }, files);
}

/** The same for a dataset repository (`hf://datasets/<id>`), into the dataset cache. */
export function fetchDatasetFiles(id: string, revision: string, files: readonly string[], settings: HubSettings): Promise<string> {
  return fetchRepoFiles(datasetRepo(id, revision, settings), files);
}

function datasetRepo(id: string, revision: string, settings: HubSettings): HubRepo {
  return { type: 'dataset', id, revision, folder: hubModelFolder(settings.datasetCacheDir, id, revision), settings };
}

async function fetchRepoFiles(repo: HubRepo, files: readonly string[]): Promise<string> {
  // One at a time: a failed file stops the rest, and big files do not compete for bandwidth.
  for (const file of files) {
    if (!existsSync(path.join(repo.folder, file))) await download(repo, file);
  }
  return repo.folder;
}

/**
 * Every file of a dataset repository under `dir` (paths from the repository root), from the hub's
 * tree API; offline, what its cache folder holds (a glob then matches what was downloaded before).
 */
export async function listDatasetFiles(id: string, revision: string, dir: string, settings: HubSettings): Promise<string[]> {
  const repo = datasetRepo(id, revision, settings);
  if (settings.offline) return listLocal(repo.folder, dir);
  const url = `${settings.endpoint}/api/datasets/${id}/tree/${encodeURIComponent(revision)}${dir === '' ? '' : `/${dir}`}?recursive=true`;
  const response = await request(repo, url);
  if (!response.ok) throw statusError(repo, dir === '' ? '(the file list)' : `${dir}/`, url, response);
  const entries = (await response.json()) as unknown;
  if (!Array.isArray(entries)) throw new Error(`${url} did not answer a list of files`);
  return entries.flatMap((e: unknown) => {
    const entry = e as { type?: unknown; path?: unknown };
    return entry.type === 'file' && typeof entry.path === 'string' ? [entry.path] : [];
  });
}

async function listLocal(folder: string, dir: string): Promise<string[]> {
  const root = path.join(folder, dir);
  if (!existsSync(root)) return [];
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.includes('.tmp'))
    .map((e) => path.relative(folder, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

function fileUrl(repo: HubRepo, file: string): string {
  return `${repo.settings.endpoint}/${repo.type === 'dataset' ? 'datasets/' : ''}${repo.id}/resolve/${encodeURIComponent(repo.revision)}/${file}`;
}

async function download(repo: HubRepo, file: string): Promise<void> {
  const target = path.join(repo.folder, file);
  if (repo.settings.offline) {
    throw new InputError(
      `HF_HUB_OFFLINE is set and ${file} of ${repo.type} ${repo.id} at revision "${repo.revision}" is not in the ${repo.type} cache ` +
        `(${target}). Run once without HF_HUB_OFFLINE to download it` +
        (repo.type === 'model' ? ', or pass a local folder with --model <dir>.' : ', or pass a local path with --dataset.'),
    );
  }
  const url = fileUrl(repo, file);
  const response = await request(repo, url);
  if (!response.ok) throw statusError(repo, file, url, response);
  await mkdir(path.dirname(target), { recursive: true });
  await writeChunksAtomically(target, body(response, url));
}

async function request(model: HubRepo, url: string): Promise<Response> {
  const headers: Record<string, string> = { 'user-agent': 'clipbench' };
  if (model.settings.token !== null) headers.authorization = `Bearer ${model.settings.token}`;
  try {
    // fetch drops the Authorization header when the hub redirects to another origin (its CDN).
    return await fetch(url, { headers });
  } catch (error) {
    throw new Error(
      `cannot reach ${model.settings.endpoint} to download ${url} (${reasonOf(error)}). Check the network and HF_ENDPOINT, ` +
        'or set HF_HUB_OFFLINE=1 to use only cached models.',
      { cause: error },
    );
  }
}

/**
 * The response body, checked against its Content-Length; a connection that drops mid-file throws
 * here, so writeChunksAtomically removes its temporary file and no partial file is ever cached.
 */
async function* body(response: Response, url: string): AsyncGenerator<Uint8Array> {
  // With a Content-Encoding, Content-Length counts compressed bytes, not the ones read here.
  const declared = response.headers.get('content-encoding') ? null : response.headers.get('content-length');
  const expected = declared === null ? null : Number(declared);
  let received = 0;
  const cutOff = (reason: string, cause?: unknown): Error =>
    new Error(
      `the download of ${url} broke off after ${received}${expected === null ? '' : ` of ${expected}`} bytes (${reason}); ` +
        'nothing was kept, run again to retry.',
      { cause },
    );
  try {
    // undici types the body's chunks as any; a fetch body yields bytes.
    const stream = response.body as ReadableStream<Uint8Array> | null;
    for await (const chunk of stream ?? []) {
      received += chunk.byteLength;
      yield chunk;
    }
  } catch (error) {
    throw cutOff(reasonOf(error), error);
  }
  if (expected !== null && received !== expected) throw cutOff('the connection closed early');
}

/** 401, 403 and 404 are about what the user asked for (exit 2); anything else is the server's trouble. */
function statusError(model: HubRepo, file: string, url: string, response: Response): Error {
  const { id, revision, settings, type } = model;
  const code = response.headers.get('x-error-code');
  const said = response.headers.get('x-error-message');
  const answered = `${url} answered ${response.status}${said ? ` ("${said}")` : ''}`;
  const sentToken = settings.token !== null;
  switch (response.status) {
    case 404:
      if (code === 'RevisionNotFound') {
        return new InputError(`revision "${revision}" of ${id} not found on ${settings.endpoint} (${answered}). Check --revision.`);
      }
      return new InputError(
        `${file} not found on ${settings.endpoint} at revision "${revision}" of ${id} (${answered}). Check the ${type} id and ${type === 'model' ? '--revision' : 'the @revision'}` +
          (file.startsWith('onnx/') ? ', and whether the model has ONNX weights for this --dtype.' : '.'),
      );
    case 401:
      return new InputError(
        sentToken
          ? `${answered}: HF_TOKEN was rejected, or ${id} does not exist. Check that HF_TOKEN is a valid access token and the id is right.`
          : `${answered}: ${id} does not exist, or it is private or gated and no HF_TOKEN is set. Check the id, or set HF_TOKEN ` +
              `to an access token that can read the ${type}.`,
      );
    case 403:
      return new InputError(
        `${answered}: ${sentToken ? 'HF_TOKEN does not grant' : 'no HF_TOKEN is set, and the hub refuses'} access to ${id}. ` +
          'If the model is gated, accept its conditions on its page; set HF_TOKEN to an access token with read access to it.',
      );
    default:
      return new Error(`${answered} ${response.statusText}. Try again later, or check HF_ENDPOINT.`);
  }
}

/** fetch wraps the useful part ("ECONNREFUSED", "other side closed") in a generic "fetch failed". */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof Error && cause.message !== message ? `${message}: ${cause.message}` : message;
}
