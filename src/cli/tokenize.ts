import type { Command } from 'commander';
import { resolveRunConfig } from '../config/config.js';
import { InputError } from '../errors.js';
import { resolveModelSource } from '../model/source.js';
import { loadClipTokenizer } from '../model/tokenizer.js';

export function registerTokenize(program: Command): void {
  program
    .command('tokenize')
    .description('print the token ids a prompt is fed to the text model as (JSON), and whether it was cut at the context length')
    .argument('[text...]', 'texts to tokenize')
    .option('-m, --model <hub id|dir>', 'model whose tokenizer to use (default: from bench.config.json)')
    .option('--stdin-json', 'read a JSON array of strings from standard input')
    .action(async (texts: string[], flags: { model?: string; stdinJson?: boolean }) => {
      const cwd = process.cwd();
      const model = flags.model ?? resolveRunConfig(cwd, {}).model;
      const source = resolveModelSource(model, 'fp32', cwd, 'tokenizer');
      const tokenizer = await loadClipTokenizer(source.location, { localFilesOnly: source.kind === 'local' });
      const inputs = flags.stdinJson ? [...texts, ...parseStdinJson(await readStdin())] : texts;
      process.stdout.write(`${JSON.stringify(tokenizer.tokenize(inputs))}\n`);
    });
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
