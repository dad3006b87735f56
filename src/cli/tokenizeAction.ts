import { resolveRunConfig } from '../config/config.js';
import { InputError } from '../errors.js';
import { resolveModelSource } from '../model/source.js';
import { loadClipTokenizer } from '../model/loadTokenizer.js';
import type { TokenizeFlags } from './tokenize.js';

/** `bench tokenize`: prints the ids of each text as JSON. */
export async function tokenizeCommand(texts: string[], flags: TokenizeFlags): Promise<void> {
  const cwd = process.cwd();
  const model = flags.model ?? resolveRunConfig(cwd, {}).model;
  const source = await resolveModelSource(model, 'fp32', cwd, 'tokenizer', { revision: flags.revision });
  const tokenizer = await loadClipTokenizer(source.location);
  const inputs = flags.stdinJson ? [...texts, ...parseStdinJson(await readStdin())] : texts;
  process.stdout.write(`${JSON.stringify(tokenizer.tokenize(inputs))}\n`);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseStdinJson(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError(`--stdin-json: standard input is not JSON (${(error as Error).message}); expected an array of strings`);
  }
  if (!Array.isArray(parsed) || parsed.some((t) => typeof t !== 'string')) {
    throw new InputError('--stdin-json: expected a JSON array of strings, e.g. ["a photo of a cat."]');
  }
  return parsed as string[];
}
