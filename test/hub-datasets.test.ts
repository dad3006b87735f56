import { cpSync, createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAnyDataset } from '../src/datasets/index.js';
import type { ClassificationDataset } from '../src/datasets/types.js';
import { hubSettings } from '../src/util/hub.js';
import { DEMO_DATASET, ROOT, tempDir } from './helpers.js';

/**
 * `--dataset hf://datasets/<id>[@rev]/<path or glob>` against a hub on 127.0.0.1 that serves a
 * folder as a dataset repository: files at `/datasets/<id>/resolve/<rev>/<file>`, the file list at
 * `/api/datasets/<id>/tree/<rev>/<dir>?recursive=true`, as the hub answers them.
 */
const ID = 'test-org/fashion-bits';
const WDS = path.join(ROOT, 'datasets/fashion-mnist-1k-wds');

/** A small repository: three classes of four images, the bundled shards when present, a dataset card. */
function makeRepo(): string {
  const repo = tempDir('hub-repo-');
  for (const cls of readdirSync(DEMO_DATASET, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .slice(0, 3)) {
    mkdirSync(path.join(repo, 'images', cls.name), { recursive: true });
    for (const f of readdirSync(path.join(DEMO_DATASET, cls.name)).sort().slice(0, 4)) {
      cpSync(path.join(DEMO_DATASET, cls.name, f), path.join(repo, 'images', cls.name, f));
    }
  }
  if (existsSync(WDS)) cpSync(WDS, path.join(repo, 'shards'), { recursive: true });
  return repo;
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name)).split(path.sep).join('/')],
  );
}

interface Hub {
  readonly endpoint: string;
  readonly requests: string[];
  close(): Promise<void>;
}
const servers: Hub[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function fakeHub(repo: string): Promise<Hub> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url.pathname);
    const tree = new RegExp(`^/api/datasets/${ID}/tree/([^/]+)/?(.*)$`).exec(url.pathname);
    const file = new RegExp(`^/datasets/${ID}/resolve/([^/]+)/(.+)$`).exec(url.pathname);
    if (tree !== null && tree[1] === 'main') {
      const dir = decodeURIComponent(tree[2]!);
      const files = listFiles(repo).filter((f) => dir === '' || f.startsWith(`${dir}/`));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(files.map((p) => ({ type: 'file', path: p }))));
      return;
    }
    const local = file === null ? null : path.join(repo, decodeURIComponent(file[2]!));
    if (file === null || file[1] !== 'main' || !existsSync(local!)) {
      res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end();
      return;
    }
    res.writeHead(200, { 'content-length': statSync(local!).size });
    createReadStream(local!).pipe(res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const hub = {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  servers.push(hub);
  return hub;
}

const settingsFor = (endpoint: string, cache: string, offline = false) => ({
  ...hubSettings({ HF_ENDPOINT: endpoint, CLIPBENCH_DATASET_CACHE: cache }),
  offline,
});

/** What a dataset says about its images: ids relative to its root, labels and the bytes of each. */
function fingerprint(d: ClassificationDataset): string[] {
  return d.items.map(
    (i) => `${d.classNames[i.label]}:${i.source.kind === 'file' ? readFileSync(i.source.path).toString('base64').slice(0, 60) : i.id}`,
  );
}

describe('hf:// datasets', () => {
  it('downloads a folder of a dataset repository into the cache and reads it as a local one; offline it reads the cache', async () => {
    const repo = makeRepo();
    const hub = await fakeHub(repo);
    const cache = tempDir('hub-dataset-cache-');
    const { localHubDataset } = await import('../src/datasets/hubDataset.js');
    const local = await localHubDataset(`hf://datasets/${ID}/images`, settingsFor(hub.endpoint, cache));
    expect(local.startsWith(cache)).toBe(true);
    const fetched = (await loadAnyDataset(local, { cwd: ROOT, datasetsDir: path.join(ROOT, 'datasets') })) as ClassificationDataset;
    const direct = (await loadAnyDataset(path.join(repo, 'images'), {
      cwd: ROOT,
      datasetsDir: path.join(ROOT, 'datasets'),
    })) as ClassificationDataset;
    expect(fetched.classNames).toEqual(direct.classNames);
    expect(fingerprint(fetched)).toEqual(fingerprint(direct));
    expect(hub.requests.filter((r) => r.includes('/resolve/'))).toHaveLength(12);
    await hub.close();
    // The server is gone: offline, the same spec resolves to the same cached files.
    const again = await localHubDataset(`hf://datasets/${ID}/images`, settingsFor(hub.endpoint, cache, true));
    expect(again).toBe(local);
  });

  it.skipIf(!existsSync(WDS))('fetches WebDataset shards by brace pattern and by glob, with their classnames.txt', async () => {
    const hub = await fakeHub(makeRepo());
    const cache = tempDir('hub-dataset-cache-');
    const { localHubDataset } = await import('../src/datasets/hubDataset.js');
    const byBraces = await localHubDataset(`hf://datasets/${ID}/shards/{000000..000001}.tar`, settingsFor(hub.endpoint, cache));
    expect(existsSync(path.join(path.dirname(byBraces), 'classnames.txt'))).toBe(true);
    const loaded = (await loadAnyDataset(byBraces, { cwd: ROOT, datasetsDir: path.join(ROOT, 'datasets') })) as ClassificationDataset;
    expect(loaded.items).toHaveLength(1000);
    const byGlob = await localHubDataset(`hf://datasets/${ID}/shards/*.tar`, settingsFor(hub.endpoint, cache));
    expect(byGlob).toBe(path.join(path.dirname(byBraces), '*.tar'));
  });

  it('names the spec when it matches nothing, or is not an hf://datasets spec', async () => {
    const hub = await fakeHub(makeRepo());
    const { localHubDataset } = await import('../src/datasets/hubDataset.js');
    const settings = settingsFor(hub.endpoint, tempDir('hub-dataset-cache-'));
    await expect(localHubDataset(`hf://datasets/${ID}/nothing/*.parquet`, settings)).rejects.toThrow(
      `hf://datasets/${ID}/nothing/*.parquet matches no file of ${ID} at revision "main"`,
    );
    await expect(localHubDataset('hf://models/x/y', settings)).rejects.toThrow(/expected hf:\/\/datasets\/<owner>\/<name>/);
    await expect(localHubDataset(`hf://datasets/${ID}@v9/images`, settings)).rejects.toThrow(/v9/);
  });
});
