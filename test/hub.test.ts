import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Results } from '../src/results/schema.js';
import { DEMO_DATASET, ROOT, TINY_MODEL, bench, runDirs, tempDir, type CliResult } from './helpers.js';

/**
 * `--model <hub id>` against a hub on 127.0.0.1 that serves test/fixtures/tiny-clip in the hub's
 * URL layout, `/<owner>/<name>/resolve/<revision>/<file>`. The CLI (dist/) is run as a user would,
 * with HF_ENDPOINT pointing at the server; nothing else is ever contacted.
 */

const MODEL_ID = 'test-org/tiny-clip';
const MODEL_FILES = [
  'config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'onnx/text_model.onnx',
  'onnx/vision_model.onnx',
];

interface HubBehaviour {
  /** Revisions the repository has. */
  readonly revisions?: readonly string[];
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** A file the repository lacks (404). */
  readonly missing?: string;
  /** A file whose connection drops after half its bytes. */
  readonly cutOff?: string;
}

interface FakeHub {
  readonly endpoint: string;
  /** `<method> <path> <authorization or "-">` of every request, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

const hubs: FakeHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((h) => h.close()));
});

/** Answers as the hub does: X-Error-Code says which of repository, revision or file is missing. */
function handle(request: http.IncomingMessage, response: http.ServerResponse, behaviour: HubBehaviour): void {
  const match = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(request.url ?? '');
  const fail = (status: number, code: string, message: string): void => {
    response.writeHead(status, { 'x-error-code': code, 'x-error-message': message }).end();
  };
  if (request.method !== 'GET' || match === null || match[1] !== MODEL_ID) return fail(404, 'RepoNotFound', 'Repository not found');
  if (behaviour.token !== undefined && request.headers.authorization !== `Bearer ${behaviour.token}`) {
    return fail(401, 'RepoNotFound', 'Invalid credentials in Authorization header');
  }
  const [revision, file] = [decodeURIComponent(match[2]!), match[3]!];
  if (!(behaviour.revisions ?? ['main']).includes(revision)) return fail(404, 'RevisionNotFound', 'Invalid rev id');
  const local = path.join(TINY_MODEL, file);
  if (file === behaviour.missing || !existsSync(local)) return fail(404, 'EntryNotFound', 'Entry not found');
  const size = statSync(local).size;
  response.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
  if (file === behaviour.cutOff) {
    response.write(readFileSync(local).subarray(0, size >> 1), () => response.destroy());
    return;
  }
  createReadStream(local).pipe(response);
}

async function fakeHub(behaviour: HubBehaviour = {}): Promise<FakeHub> {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    requests.push(`${request.method} ${request.url} ${request.headers.authorization ?? '-'}`);
    handle(request, response, behaviour);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const hub: FakeHub = {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  hubs.push(hub);
  return hub;
}

/**
 * helpers' bench() with spawn instead of spawnSync, which would block this process's event loop
 * and with it the fake hub. HF_* variables of the calling shell are cleared.
 */
async function benchAsync(args: readonly string[], env: Readonly<Record<string, string>>): Promise<CliResult> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/bench.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: '1', HF_TOKEN: '', HF_HUB_OFFLINE: '', HF_ENDPOINT: '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, stdout, stderr };
}

interface HubRun extends CliResult {
  readonly results: Results | null;
}

/** `bench run --model test-org/tiny-clip` on 20 demo images, with a fresh embedding cache so the model really runs. */
async function hubRun(env: Record<string, string>, ...extra: string[]): Promise<HubRun> {
  const out = tempDir('hub-out-');
  const args = ['run', '--prompts', 'prompts/basic.hbs', '--dataset', DEMO_DATASET, '--limit', '20', '--threads', '2', '--out', out];
  const result = await benchAsync([...args, '--model', MODEL_ID, ...extra], { CLIPBENCH_CACHE_DIR: tempDir('hub-embeddings-'), ...env });
  const file = path.join(out, runDirs(out)[0] ?? '-', 'results.json');
  const results = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Results) : null;
  return { ...result, results };
}

/** Every file under a folder, relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(path.join(dir, f)).isFile())
    .sort();
}

const metricsOf = (results: Results | null): unknown => results?.promptSets.map((s) => ({ name: s.name, metrics: s.metrics }));

describe('hub models (HF_ENDPOINT, --revision, HF_TOKEN, HF_HUB_OFFLINE)', () => {
  let reference: Results;

  beforeAll(() => {
    const out = tempDir('hub-reference-');
    const local = bench(
      [
        'run',
        '--prompts',
        'prompts/basic.hbs',
        '--dataset',
        DEMO_DATASET,
        '--limit',
        '20',
        '--threads',
        '2',
        '--out',
        out,
        '--model',
        TINY_MODEL,
      ],
      { env: { CLIPBENCH_CACHE_DIR: tempDir('hub-embeddings-') } },
    );
    expect(local.status, local.stderr).toBe(0);
    reference = JSON.parse(readFileSync(path.join(out, runDirs(out)[0]!, 'results.json'), 'utf8')) as Results;
  });

  it('downloads a revision with the token, caches it, and runs it again offline with the same numbers', async () => {
    const hub = await fakeHub({ revisions: ['main', 'v1.0'], token: 'hf_secret' });
    const cache = tempDir('hub-models-');
    const env = { HF_ENDPOINT: hub.endpoint, HF_TOKEN: 'hf_secret', CLIPBENCH_MODEL_CACHE: cache };
    const online = await hubRun(env, '--revision', 'v1.0');
    expect(online.status, online.stderr).toBe(0);
    expect(online.results?.run.model).toEqual({
      id: MODEL_ID,
      kind: 'hub',
      revision: 'v1.0',
      dtype: 'fp32',
      onnxSha256: reference.run.model.onnxSha256,
      family: 'clip',
      head: { kind: 'softmax', scale: 100, bias: 0 },
    });
    expect(metricsOf(online.results)).toEqual(metricsOf(reference));
    // One GET per file, all with the token, nothing else (no HEAD, no /api/ calls).
    expect(hub.requests.sort()).toEqual(MODEL_FILES.map((f) => `GET /${MODEL_ID}/resolve/v1.0/${f} Bearer hf_secret`).sort());
    const folder = path.join(cache, 'test-org--tiny-clip', 'v1.0');
    expect(filesUnder(folder)).toEqual([...MODEL_FILES].sort());
    expect(filesUnder(cache).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    await hub.close();
    const offline = await hubRun({ ...env, HF_HUB_OFFLINE: '1' }, '--revision', 'v1.0');
    expect(offline.status, offline.stderr).toBe(0);
    expect(metricsOf(offline.results)).toEqual(metricsOf(online.results));
    expect(offline.results?.run.model).toEqual(online.results?.run.model);

    const uncached = await hubRun({ ...env, HF_HUB_OFFLINE: '1' });
    expect(uncached.status).toBe(2);
    expect(uncached.stderr).toContain(
      `HF_HUB_OFFLINE is set and config.json of model ${MODEL_ID} at revision "main" is not in the model cache`,
    );
    expect(uncached.stderr).toContain(path.join(cache, 'test-org--tiny-clip', 'main', 'config.json'));
  });

  it('names the file, the endpoint and the revision when a file or revision is not on the hub, and caches no weights', async () => {
    const hub = await fakeHub({ missing: 'onnx/vision_model.onnx' });
    const cache = tempDir('hub-models-');
    const env = { HF_ENDPOINT: hub.endpoint, CLIPBENCH_MODEL_CACHE: cache };
    const missing = await hubRun(env);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`onnx/vision_model.onnx not found on ${hub.endpoint} at revision "main" of ${MODEL_ID}`);
    expect(missing.stderr).toContain('--dtype');
    expect(missing.results).toBeNull();
    expect(filesUnder(cache).filter((f) => f.includes('vision_model'))).toEqual([]);

    const noRevision = await hubRun(env, '--revision', 'no-such-tag');
    expect(noRevision.status).toBe(2);
    expect(noRevision.stderr).toContain(`revision "no-such-tag" of ${MODEL_ID} not found on ${hub.endpoint}`);
  });

  it('leaves no partial file when the connection drops mid-file; the next run downloads the rest and gets the same numbers', async () => {
    const cache = tempDir('hub-models-');
    const broken = await fakeHub({ cutOff: 'onnx/vision_model.onnx' });
    const cut = await hubRun({ HF_ENDPOINT: broken.endpoint, CLIPBENCH_MODEL_CACHE: cache });
    // A network failure is a failed run (1), not a usage error (2).
    expect(cut.status).toBe(1);
    expect(cut.stderr).toMatch(
      /the download of http:\/\/127\.0\.0\.1:\d+\/test-org\/tiny-clip\/resolve\/main\/onnx\/vision_model\.onnx broke off/,
    );
    expect(cut.stderr).toContain('nothing was kept');
    const folder = path.join(cache, 'test-org--tiny-clip', 'main');
    expect(filesUnder(folder)).toEqual(MODEL_FILES.filter((f) => f !== 'onnx/vision_model.onnx').sort());
    await broken.close();

    const good = await fakeHub();
    const retry = await hubRun({ HF_ENDPOINT: good.endpoint, CLIPBENCH_MODEL_CACHE: cache });
    expect(retry.status, retry.stderr).toBe(0);
    expect(good.requests).toEqual([`GET /${MODEL_ID}/resolve/main/onnx/vision_model.onnx -`]);
    expect(retry.results?.run.model.onnxSha256).toEqual(reference.run.model.onnxSha256);
    expect(retry.results?.run.model.revision).toBe('main');
    expect(metricsOf(retry.results)).toEqual(metricsOf(reference));
  });

  it('says whether HF_TOKEN is missing or was rejected, and caches nothing', async () => {
    const hub = await fakeHub({ token: 'hf_right' });
    const cache = tempDir('hub-models-');
    const wrong = await hubRun({ HF_ENDPOINT: hub.endpoint, HF_TOKEN: 'hf_wrong', CLIPBENCH_MODEL_CACHE: cache });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain(`${hub.endpoint}/${MODEL_ID}/resolve/main/config.json answered 401`);
    expect(wrong.stderr).toContain('HF_TOKEN was rejected');
    const none = await hubRun({ HF_ENDPOINT: hub.endpoint, HF_TOKEN: '', CLIPBENCH_MODEL_CACHE: cache });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('no HF_TOKEN is set');
    expect(filesUnder(cache)).toEqual([]);
  });

  it('fetches only the tokenizer files and config.json for bench tokenize --revision', async () => {
    const hub = await fakeHub({ revisions: ['v2'] });
    const cache = tempDir('hub-models-');
    const result = await benchAsync(['tokenize', '--model', MODEL_ID, '--revision', 'v2', 'a photo of a cat.'], {
      HF_ENDPOINT: hub.endpoint,
      CLIPBENCH_MODEL_CACHE: cache,
    });
    expect(result.status, result.stderr).toBe(0);
    const local = bench(['tokenize', '--model', TINY_MODEL, 'a photo of a cat.']);
    expect(result.stdout).toBe(local.stdout);
    // config.json too: its model_type says which family's tokenizer to build.
    expect(hub.requests.sort()).toEqual([
      `GET /${MODEL_ID}/resolve/v2/config.json -`,
      `GET /${MODEL_ID}/resolve/v2/tokenizer.json -`,
      `GET /${MODEL_ID}/resolve/v2/tokenizer_config.json -`,
    ]);
  });
});
