/**
 * The deployment examples under deploy/ (Kubernetes manifests, GitHub Actions workflows) parse, have
 * the structure their README promises, keep passwords in secrets, and call `bench` only with
 * subcommands and flags the CLI has: each command's flags are checked against the `--help` of the
 * real program (src/cli/main.ts's `main`, run in-process, so no build is needed and dist/ cannot be stale).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { main } from '../src/cli/main.js';
import { ROOT } from './helpers.js';

const DEPLOY = path.join(ROOT, 'deploy');

// ---------------------------------------------------------------------------------------------
// Reading YAML into plain values, and walking them with checks that name what was expected.

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function obj(value: unknown, what: string): Obj {
  if (!isObj(value)) throw new Error(`${what}: expected a mapping, found ${JSON.stringify(value)}`);
  return value;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${what}: expected a sequence, found ${JSON.stringify(value)}`);
  return value as unknown[];
}

function str(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what}: expected a string, found ${JSON.stringify(value)}`);
  return value;
}

interface YamlFile {
  /** Path from the repository root, with forward slashes. */
  readonly rel: string;
  readonly text: string;
  readonly problems: readonly string[];
  readonly docs: readonly unknown[];
}

function yamlFiles(dir: string): YamlFile[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort()
    .map((file) => {
      const text = readFileSync(file, 'utf8');
      const parsed = parseAllDocuments(text);
      const problems = parsed.flatMap((d) => [...d.errors, ...d.warnings].map((e) => e.message));
      const docs = parsed
        .map((d) => {
          const value: unknown = d.toJS();
          return value;
        })
        .filter((d) => d != null);
      return { rel: path.relative(ROOT, file).split(path.sep).join('/'), text, problems, docs };
    });
}

const FILES = yamlFiles(DEPLOY);
const k8sFiles = FILES.filter((f) => f.rel.startsWith('deploy/kubernetes/'));
const workflowFiles = FILES.filter((f) => f.rel.startsWith('deploy/github-actions/'));

// ---------------------------------------------------------------------------------------------
// Kubernetes objects.

interface K8sObject {
  readonly file: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly body: Obj;
}

const K8S: K8sObject[] = k8sFiles.flatMap((f) =>
  f.docs.map((doc, i) => {
    const body = obj(doc, `${f.rel} document ${i + 1}`);
    const metadata = obj(body.metadata, `${f.rel} document ${i + 1} metadata`);
    return {
      file: f.rel,
      apiVersion: str(body.apiVersion, `${f.rel} document ${i + 1} apiVersion`),
      kind: str(body.kind, `${f.rel} document ${i + 1} kind`),
      name: str(metadata.name, `${f.rel} document ${i + 1} metadata.name`),
      body,
    };
  }),
);

function k8s(kind: string, name: string): K8sObject {
  const found = K8S.filter((o) => o.kind === kind && o.name === name);
  expect(found, `one ${kind} named ${name} under deploy/kubernetes/`).toHaveLength(1);
  return found[0]!;
}

/** The pod spec of a Job, StatefulSet or Deployment. */
function podSpec(o: K8sObject): Obj {
  const spec = obj(o.body.spec, `${o.file} ${o.kind}/${o.name} spec`);
  const template = obj(spec.template, `${o.file} ${o.kind}/${o.name} spec.template`);
  return obj(template.spec, `${o.file} ${o.kind}/${o.name} spec.template.spec`);
}

function containers(o: K8sObject): Obj[] {
  const spec = podSpec(o);
  return [
    ...list(spec.containers, 'containers'),
    ...(spec.initContainers === undefined ? [] : list(spec.initContainers, 'initContainers')),
  ].map((c, i) => obj(c, `${o.file} ${o.kind}/${o.name} container ${i + 1}`));
}

function envOf(container: Obj): Obj[] {
  return container.env === undefined ? [] : list(container.env, 'env').map((e) => obj(e, 'env entry'));
}

/** The volume (its pod-spec entry) mounted at the folder that holds `target`. */
function volumeHolding(o: K8sObject, container: Obj, target: string): Obj {
  const mounts = list(container.volumeMounts, `${o.name} volumeMounts`).map((m) => obj(m, 'volumeMount'));
  const mount = mounts
    .filter((m) => target === m.mountPath || target.startsWith(`${str(m.mountPath, 'mountPath')}/`))
    .sort((a, b) => String(b.mountPath).length - String(a.mountPath).length)[0];
  expect(mount, `${o.file} ${o.name}: a volume mounted above ${target}`).toBeDefined();
  const volumes = list(podSpec(o).volumes, `${o.name} volumes`).map((v) => obj(v, 'volume'));
  const volume = volumes.find((v) => v.name === mount!.name);
  expect(volume, `${o.file} ${o.name}: volume ${String(mount!.name)}`).toBeDefined();
  return volume!;
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions workflows.

interface Workflow {
  readonly file: string;
  readonly jobs: Record<string, Obj>;
}

const WORKFLOWS: Workflow[] = workflowFiles.map((f) => {
  expect(f.docs, `${f.rel}: one YAML document`).toHaveLength(1);
  const jobs = obj(obj(f.docs[0], f.rel).jobs, `${f.rel} jobs`);
  return { file: f.rel, jobs: Object.fromEntries(Object.entries(jobs).map(([id, job]) => [id, obj(job, `${f.rel} job ${id}`)])) };
});

function steps(job: Obj, what: string): Obj[] {
  return list(job.steps, `${what} steps`).map((s, i) => obj(s, `${what} step ${i + 1}`));
}

function needsOf(job: Obj): string[] {
  return job.needs === undefined ? [] : typeof job.needs === 'string' ? [job.needs] : list(job.needs, 'needs').map((n) => str(n, 'needs'));
}

/** `${{ secrets.NAME }}`, and nothing else. */
const SECRET_EXPRESSION = /^\$\{\{\s*secrets\.[A-Za-z_][A-Za-z0-9_]*\s*\}\}$/;

// ---------------------------------------------------------------------------------------------
// `bench …` command lines: from a container's command/args, and from a workflow step's `run:` script.

interface BenchCommand {
  /** Where it was found, for messages. */
  readonly where: string;
  /** The words after `bench`, quotes removed, variables left as written. */
  readonly args: readonly string[];
  /** Started with `&` in a shell script. */
  readonly background: boolean;
}

type Token = { readonly op: string } | { readonly word: string };

/** A shell lexer, enough for the scripts in these examples: quotes, comments, operators, redirections. */
function lex(script: string): Token[] {
  const s = script.replace(/\\\r?\n/g, ' ');
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '\n' || c === ';') {
      tokens.push({ op: ';' });
      i++;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < s.length && s[i] !== '\n') i++;
      continue;
    }
    const op = /^(?:&&|\|\||\d*>>|\d*>&\d+|\d*>|<|&|\||\(|\))/.exec(s.slice(i));
    if (op) {
      tokens.push({ op: op[0] });
      i += op[0].length;
      continue;
    }
    let word = '';
    while (i < s.length && !/[\s;&|()<>]/.test(s[i]!)) {
      const ch = s[i]!;
      if (ch === "'" || ch === '"') {
        const end = s.indexOf(ch, i + 1);
        if (end < 0) throw new Error(`unterminated ${ch} in: ${script}`);
        word += s.slice(i + 1, end);
        i = end + 1;
      } else if (ch === '\\') {
        word += s[i + 1] ?? '';
        i += 2;
      } else {
        word += ch;
        i++;
      }
    }
    tokens.push({ word });
  }
  return tokens;
}

const SHELL_KEYWORDS = new Set(['do', 'then', 'else', 'elif', 'if', 'while', 'until', '!', 'time', 'exec', 'command']);

/** The words after `bench` of a simple command that runs bench (`bench`, `npx bench`, `node …/bench.js`), or null. */
function benchArgs(words: readonly string[]): string[] | null {
  let rest = [...words];
  while (rest.length > 0 && (SHELL_KEYWORDS.has(rest[0]!) || /^[A-Za-z_]\w*\+?=/.test(rest[0]!))) rest = rest.slice(1);
  if (rest[0] === 'npx') rest = rest.slice(1);
  if (rest[0] === 'node' && rest[1]?.endsWith('bench.js') === true) return rest.slice(2);
  if (rest[0] === 'bench' || rest[0]?.endsWith('/bench') === true) return rest.slice(1);
  return null;
}

function benchCommandsInScript(script: string, where: string): BenchCommand[] {
  const found: BenchCommand[] = [];
  let words: string[] = [];
  let skipNext = false;
  const end = (op: string): void => {
    const args = benchArgs(words);
    if (args !== null) found.push({ where, args, background: op === '&' });
    words = [];
  };
  for (const token of lex(script)) {
    if ('word' in token) {
      if (skipNext) skipNext = false;
      else words.push(token.word);
    } else if (/[<>]/.test(token.op)) {
      // A redirection: its target is no argument (`2>&1` has none).
      skipNext = !/&\d+$/.test(token.op);
    } else {
      end(token.op);
    }
  }
  end(';');
  return found;
}

function benchCommandsInContainer(container: Obj, where: string): BenchCommand[] {
  const command = container.command === undefined ? [] : list(container.command, `${where} command`).map((w) => str(w, `${where} command`));
  const args = container.args === undefined ? [] : list(container.args, `${where} args`).map((w) => str(w, `${where} args (all strings)`));
  const words = [...command, ...args];
  const c = words.indexOf('-c');
  if (c > 0 && /(^|\/)(ba)?sh$/.test(words[0]!)) return benchCommandsInScript(words.slice(c + 1).join(' '), where);
  const bench = benchArgs(words);
  return bench === null ? [] : [{ where, args: bench, background: false }];
}

const K8S_COMMANDS: BenchCommand[] = K8S.filter((o) => o.kind === 'Job').flatMap((o) =>
  containers(o).flatMap((c) => benchCommandsInContainer(c, `${o.file} ${o.kind}/${o.name} container ${String(c.name)}`)),
);

function workflowCommands(w: Workflow, jobId?: string): BenchCommand[] {
  return Object.entries(w.jobs)
    .filter(([id]) => jobId === undefined || id === jobId)
    .flatMap(([id, job]) =>
      steps(job, `${w.file} ${id}`).flatMap((step, i) =>
        step.run === undefined
          ? []
          : benchCommandsInScript(str(step.run, 'run'), `${w.file} job ${id} step ${typeof step.name === 'string' ? step.name : i + 1}`),
      ),
    );
}

const COMMANDS: BenchCommand[] = [...K8S_COMMANDS, ...WORKFLOWS.flatMap((w) => workflowCommands(w))];

/**
 * A command's arguments without the settings that differ between workers and the report run by
 * design (where output and the local folder go, threads, the lease), which do not change the results.
 */
const PER_MACHINE = new Set(['--out', '-o', '--cache-dir', '--threads', '--lease-seconds']);
function sameWork(args: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!.split('=')[0]!;
    if (PER_MACHINE.has(flag)) {
      if (!args[i]!.includes('=')) i++;
    } else {
      kept.push(args[i]!);
    }
  }
  return kept;
}

function flagsOf(args: readonly string[]): string[] {
  return args.filter((a) => /^--?[A-Za-z]/.test(a)).map((a) => a.split('=')[0]!);
}

// ---------------------------------------------------------------------------------------------
// The real CLI's help: `bench <path…> --help`, run in-process through main().

interface Help {
  readonly usage: string;
  readonly options: ReadonlySet<string>;
  readonly commands: ReadonlySet<string>;
}

const helpCache = new Map<string, Promise<Help>>();

function help(commandPath: readonly string[]): Promise<Help> {
  const key = commandPath.join(' ');
  let cached = helpCache.get(key);
  if (cached === undefined) {
    cached = readHelp(commandPath);
    helpCache.set(key, cached);
  }
  return cached;
}

async function readHelp(commandPath: readonly string[]): Promise<Help> {
  let out = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array): boolean => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  let code: number;
  try {
    code = await main(['node', 'bench', ...commandPath, '--help']);
  } finally {
    write.mockRestore();
  }
  expect(code, `bench ${commandPath.join(' ')} --help exits 0`).toBe(0);
  const lines = stripVTControlCharacters(out).split('\n');
  const section = (title: string): string[] => {
    const start = lines.indexOf(`${title}:`);
    if (start < 0) return [];
    const rest = lines.slice(start + 1);
    const stop = rest.findIndex((l) => /^\S/.test(l));
    return (stop < 0 ? rest : rest.slice(0, stop)).filter((l) => /^ {2}\S/.test(l)).map((l) => l.trim().split(/\s{2,}/)[0]!);
  };
  const options = new Set(section('Options').flatMap((first) => first.split(/[\s,]+/).filter((w) => w.startsWith('-'))));
  const commands = new Set(section('Commands').flatMap((first) => first.split(/\s/)[0]!.split('|')));
  commands.delete('help');
  return { usage: lines.find((l) => l.startsWith('Usage:')) ?? '', options, commands };
}

/** The subcommand path of `args` (as far as the CLI has subcommands), and any word it does not know. */
async function resolve(args: readonly string[]): Promise<{ path: string[]; unknownCommand?: string; help: Help }> {
  const commandPath: string[] = [];
  let current = await help(commandPath);
  for (const word of args) {
    if (word.startsWith('-') || current.commands.size === 0) break;
    if (!current.commands.has(word)) return { path: commandPath, unknownCommand: word, help: current };
    commandPath.push(word);
    current = await help(commandPath);
  }
  return { path: commandPath, help: current };
}

// ---------------------------------------------------------------------------------------------

describe('deploy/ YAML files', () => {
  it('are there: the Kubernetes manifests and both workflows', () => {
    const names = FILES.map((f) => f.rel);
    expect(names).toEqual(
      expect.arrayContaining([
        'deploy/kubernetes/postgres.yaml',
        'deploy/github-actions/clipbench-shared-store.yml',
        'deploy/github-actions/clipbench-one-runner.yml',
      ]),
    );
    expect(k8sFiles.length).toBeGreaterThanOrEqual(2);
  });

  it.each(FILES.map((f) => [f.rel, f] as const))('%s parses without errors or warnings', (_rel, f) => {
    expect(f.problems).toEqual([]);
    expect(f.docs.length).toBeGreaterThan(0);
  });

  it('hold no password in a connection URL, anywhere (comments too)', () => {
    for (const f of FILES) {
      expect(f.text, f.rel).not.toMatch(/postgres(?:ql)?:\/\/[^\s/@:'"]+:[^\s/@'"]+@/i);
    }
  });
});

describe('Kubernetes', () => {
  it('every object has an apiVersion that matches its kind', () => {
    const expected: Record<string, string> = {
      Job: 'batch/v1',
      Secret: 'v1',
      Service: 'v1',
      PersistentVolumeClaim: 'v1',
      StatefulSet: 'apps/v1',
      Deployment: 'apps/v1',
    };
    for (const o of K8S)
      expect(`${o.file} ${o.kind}/${o.name}: ${o.apiVersion}`).toBe(`${o.file} ${o.kind}/${o.name}: ${expected[o.kind]}`);
  });

  it('the workers are an Indexed Job: completions = parallelism, a backoffLimit, --store from a Secret, a per-pod --out', () => {
    const job = k8s('Job', 'clipbench-workers');
    const spec = obj(job.body.spec, 'spec');
    expect(spec.completionMode).toBe('Indexed');
    expect(spec.completions).toBeTypeOf('number');
    expect(spec.completions as number).toBeGreaterThanOrEqual(2);
    expect(spec.parallelism).toBe(spec.completions);
    expect(spec.backoffLimit).toBeTypeOf('number');
    expect(['Never', 'OnFailure']).toContain(podSpec(job).restartPolicy);

    const [bench] = containers(job);
    expect(str(bench!.image, 'image')).toMatch(/^ghcr\.io\/your-org\/clipbench:/);
    const [command, ...rest] = benchCommandsInContainer(bench!, 'workers');
    expect(rest).toEqual([]);
    const args = command!.args;
    expect(args[0]).toBe('run');
    expect(args[args.indexOf('--store') + 1]).toBe('$(CLIPBENCH_STORE)');
    expect(args[args.indexOf('--out') + 1]).toContain('$(JOB_COMPLETION_INDEX)');
    // --cache-dir is a local folder on an emptyDir; data and model come from a read-only claim.
    expect(volumeHolding(job, bench!, args[args.indexOf('--cache-dir') + 1]!).emptyDir).toBeDefined();
    for (const flag of ['--dataset', '--model']) {
      const volume = volumeHolding(job, bench!, args[args.indexOf(flag) + 1]!);
      expect(obj(volume.persistentVolumeClaim, `${flag} volume`).readOnly).toBe(true);
    }
    // Every $(VAR) Kubernetes is to expand is defined: in env, or by the Job controller.
    const defined = new Set([...envOf(bench!).map((e) => e.name), 'JOB_COMPLETION_INDEX']);
    for (const [, name] of args.join(' ').matchAll(/\$\(([A-Za-z_]\w*)\)/g)) expect(defined).toContain(name);
  });

  it('the report Job is the workers’ command once more (except --out and local settings), writing to a volume that stays', () => {
    const workers = k8s('Job', 'clipbench-workers');
    const report = k8s('Job', 'clipbench-report');
    const spec = obj(report.body.spec, 'spec');
    expect(spec.completionMode ?? 'NonIndexed').toBe('NonIndexed');
    expect(spec.completions ?? 1).toBe(1);
    expect(spec.backoffLimit).toBeTypeOf('number');
    const [reportContainer] = containers(report);
    const [reportRun] = benchCommandsInContainer(reportContainer!, 'report');
    const [workerRun] = benchCommandsInContainer(containers(workers)[0]!, 'workers');
    expect(sameWork(reportRun!.args)).toEqual(sameWork(workerRun!.args));
    expect(str(reportContainer!.image, 'image')).toBe(containers(workers)[0]!.image);
    const out = reportRun!.args[reportRun!.args.indexOf('--out') + 1]!;
    const claim = obj(volumeHolding(report, reportContainer!, out).persistentVolumeClaim, 'reports volume').claimName;
    expect(K8S.some((o) => o.kind === 'PersistentVolumeClaim' && o.name === claim)).toBe(true);
  });

  it('passwords and the store address come from a Secret, never a literal env value', () => {
    const secrets = new Map(K8S.filter((o) => o.kind === 'Secret').map((o) => [o.name, o.body]));
    for (const o of K8S.filter((x) => ['Job', 'StatefulSet', 'Deployment'].includes(x.kind))) {
      for (const c of containers(o)) {
        for (const e of envOf(c)) {
          const name = str(e.name, 'env name');
          if (!/PASSWORD|PGPASS|SECRET|TOKEN|^CLIPBENCH_STORE$/i.test(name)) continue;
          const where = `${o.file} ${o.kind}/${o.name} env ${name}`;
          expect(e.value, `${where} has no literal value`).toBeUndefined();
          const ref = obj(obj(e.valueFrom, `${where} valueFrom`).secretKeyRef, `${where} secretKeyRef`);
          const secret = secrets.get(str(ref.name, `${where} secret name`));
          expect(secret, `${where}: Secret ${String(ref.name)} is defined`).toBeDefined();
          expect(Object.keys(obj(secret!.stringData, 'stringData')), where).toContain(ref.key);
        }
      }
      const env = containers(o)
        .flatMap(envOf)
        .map((e) => e.name);
      if (o.kind === 'Job')
        expect(env, `${o.name} gets CLIPBENCH_STORE and PGPASSWORD`).toEqual(expect.arrayContaining(['CLIPBENCH_STORE', 'PGPASSWORD']));
    }
    for (const [name, secret] of secrets) {
      expect(secret.data, `Secret ${name}: stringData only, no base64 data`).toBeUndefined();
      for (const [key, value] of Object.entries(obj(secret.stringData, `Secret ${name} stringData`))) {
        if (/PASSWORD/i.test(key)) expect(value, `Secret ${name} ${key} is a placeholder`).toBe('REPLACE-ME');
      }
    }
  });

  it('postgres.yaml: PostgreSQL 15 behind a Service on 5432, its password from the Secret, marked as not for production', () => {
    const file = FILES.find((f) => f.rel === 'deploy/kubernetes/postgres.yaml')!;
    expect(file.text).toMatch(/production uses a managed server/i);
    const server = K8S.find((o) => o.file === file.rel && (o.kind === 'StatefulSet' || o.kind === 'Deployment'))!;
    expect(server).toBeDefined();
    const [postgres] = containers(server);
    expect(str(postgres!.image, 'image')).toMatch(/^postgres:15(\b|$)/);
    const password = envOf(postgres!).find((e) => e.name === 'POSTGRES_PASSWORD');
    expect(obj(password?.valueFrom, 'POSTGRES_PASSWORD valueFrom').secretKeyRef).toBeDefined();
    const labels = obj(obj(obj(server.body.spec, 'spec').template, 'template').metadata, 'metadata').labels;
    const service = K8S.find((o) => o.file === file.rel && o.kind === 'Service')!;
    const serviceSpec = obj(service.body.spec, 'service spec');
    expect(labels).toMatchObject(obj(serviceSpec.selector, 'selector'));
    expect(list(serviceSpec.ports, 'ports').map((p) => obj(p, 'port').port)).toContain(5432);
    // The store address in the Secret names this Service.
    const secret = k8s('Secret', 'clipbench-store');
    expect(str(obj(secret.body.stringData, 'stringData').CLIPBENCH_STORE, 'CLIPBENCH_STORE')).toMatch(
      new RegExp(`^postgres://\\w+@${service.name}:5432/\\w+$`),
    );
  });
});

describe('GitHub Actions', () => {
  const shared = WORKFLOWS.find((w) => w.file.endsWith('clipbench-shared-store.yml'))!;
  const oneRunner = WORKFLOWS.find((w) => w.file.endsWith('clipbench-one-runner.yml'))!;

  it('every job that runs bench checks out, sets up Node 20 with actions/*@v4 and runs npm ci first', () => {
    for (const w of WORKFLOWS) {
      for (const [id, job] of Object.entries(w.jobs)) {
        if (workflowCommands(w, id).length === 0) continue;
        const all = steps(job, `${w.file} ${id}`);
        const at = (test: (s: Obj) => boolean): number => all.findIndex(test);
        const firstBench = at((s) => typeof s.run === 'string' && benchCommandsInScript(s.run, '').length > 0);
        const checkout = at((s) => s.uses === 'actions/checkout@v4');
        const node = at((s) => s.uses === 'actions/setup-node@v4' && obj(s.with, 'with')['node-version'] === 20);
        const ci = at((s) => typeof s.run === 'string' && /^npm ci\b/m.test(s.run));
        expect(
          [checkout, node, ci].every((i) => i >= 0 && i < firstBench),
          `${w.file} ${id}: checkout, setup-node, npm ci and the first bench at steps ${[checkout, node, ci, firstBench].join(', ')}`,
        ).toBe(true);
      }
    }
  });

  it('shared store: an embed matrix of 3 workers without a service container, secrets for the store, a report job that needs embed', () => {
    const embed = shared.jobs.embed!;
    const report = shared.jobs.report!;
    expect(obj(obj(embed.strategy, 'strategy').matrix, 'matrix').worker).toEqual([1, 2, 3]);
    // A service container belongs to one job; matrix jobs would each get their own.
    expect(embed.services).toBeUndefined();
    for (const job of [embed, report]) {
      expect(job.env).toMatchObject({ CLIPBENCH_STORE: '${{ secrets.CLIPBENCH_STORE }}', PGPASSWORD: '${{ secrets.PGPASSWORD }}' });
    }
    expect(needsOf(report)).toEqual(['embed']);
    const [workerRun, ...moreWorkerRuns] = workflowCommands(shared, 'embed');
    expect(moreWorkerRuns).toEqual([]);
    expect(workerRun!.args).toEqual(expect.arrayContaining(['run', '--store']));
    const reportRuns = workflowCommands(shared, 'report').filter((c) => c.args[0] === 'run');
    expect(reportRuns).toHaveLength(1);
    expect(sameWork(reportRuns[0]!.args)).toEqual(sameWork(workerRun!.args));
    const upload = steps(report, 'report').find((s) => s.uses === 'actions/upload-artifact@v4');
    expect(obj(upload?.with, 'upload-artifact with').path).toMatch(/^reports\/?$/);
  });

  it('one runner: a postgres:15 service with health checks, 3 background workers and a wait, then the report run', () => {
    const entries = Object.entries(oneRunner.jobs);
    expect(entries).toHaveLength(1);
    const [id, job] = entries[0]!;
    const postgres = obj(obj(job.services, 'services').postgres, 'services.postgres');
    expect(postgres.image).toMatch(/^postgres:15(\b|$)/);
    expect(list(postgres.ports, 'ports')).toContain('5432:5432');
    const options = str(postgres.options, 'options');
    expect(options).toMatch(/--health-cmd\s+"pg_isready\b[^"]*"/);
    for (const o of ['--health-interval', '--health-timeout', '--health-retries']) expect(options).toMatch(new RegExp(`${o}\\s+\\S+`));
    const store = str(obj(job.env, 'env').CLIPBENCH_STORE, 'CLIPBENCH_STORE');
    expect(store).toMatch(/^postgres:\/\/\w+@localhost:5432\/\w+$/);
    expect(obj(postgres.env, 'service env').POSTGRES_DB).toBe(store.split('/').at(-1));

    const all = steps(job, id);
    const workerStep = all.findIndex((s) => typeof s.run === 'string' && benchCommandsInScript(s.run, '').some((c) => c.background));
    expect(workerStep, 'a step that starts bench run in the background').toBeGreaterThanOrEqual(0);
    const script = str(all[workerStep]!.run, 'run');
    expect(script).toMatch(/\bfor \w+ in 1 2 3\b/);
    expect(script).toMatch(/\bwait\b/);
    const [workerRun] = benchCommandsInScript(script, 'workers');
    expect(workerRun!.args[0]).toBe('run');
    const reportStep = all.findIndex(
      (s, i) => i > workerStep && typeof s.run === 'string' && benchCommandsInScript(s.run, '').some((c) => c.args[0] === 'run'),
    );
    expect(reportStep, 'a report run after the workers').toBeGreaterThan(workerStep);
    const [reportRun] = benchCommandsInScript(str(all[reportStep]!.run, 'run'), 'report');
    expect(reportRun!.background).toBe(false);
    expect(sameWork(reportRun!.args)).toEqual(sameWork(workerRun!.args));
    const upload = all.findIndex((s) => s.uses === 'actions/upload-artifact@v4');
    expect(upload).toBeGreaterThan(reportStep);
  });

  it('every key or env var that looks like a password holds ${{ secrets.* }}, never a literal', () => {
    const walk = (value: unknown, where: string): void => {
      if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${where}[${i}]`));
      else if (isObj(value)) {
        for (const [key, v] of Object.entries(value)) {
          if (/PASSWORD|PGPASS|SECRET|TOKEN/i.test(key)) expect(String(v), `${where}.${key}`).toMatch(SECRET_EXPRESSION);
          walk(v, `${where}.${key}`);
        }
      }
    };
    for (const f of workflowFiles) walk(f.docs[0], f.rel);
  });
});

describe('every bench command in deploy/ uses only subcommands and flags the CLI has', () => {
  it('finds the commands the examples are about', () => {
    const seen = new Set(
      COMMANDS.map((c) =>
        c.args
          .filter((a) => !a.startsWith('-'))
          .slice(0, 2)
          .join(' '),
      ),
    );
    for (const expected of ['run', 'cache stats', 'cache push', 'cache pull']) {
      expect(
        [...seen].some((s) => s === expected || s.startsWith(`${expected} `)),
        expected,
      ).toBe(true);
    }
    expect(K8S_COMMANDS.length).toBeGreaterThanOrEqual(2);
  });

  it.each(COMMANDS.map((c) => [`${c.where}: bench ${c.args.join(' ')}`, c] as const))('%s', async (_title, command) => {
    const { path: commandPath, unknownCommand, help: commandHelp } = await resolve(command.args);
    const name = ['bench', ...commandPath].join(' ');
    expect(
      unknownCommand,
      `\`${name} --help\` lists no subcommand ${unknownCommand} (only ${[...commandHelp.commands].join(', ')})`,
    ).toBeUndefined();
    expect(commandHelp.usage).toMatch(new RegExp(`^Usage: ${name}( |$)`));
    const unknown = flagsOf(command.args).filter((f) => !commandHelp.options.has(f));
    expect(unknown, `flags that \`${name} --help\` does not list`).toEqual([]);
  });
});
