import type { Command } from 'commander';

export interface TokenizeFlags {
  readonly model?: string;
  readonly revision?: string;
  readonly stdinJson?: boolean;
}

export function registerTokenize(program: Command): void {
  program
    .command('tokenize')
    .description('print the token ids a prompt is fed to the text model as (JSON), and whether it was cut at the context length')
    .argument('[text...]', 'texts to tokenize')
    .option('-m, --model <hub id|dir>', 'model whose tokenizer to use (default: from bench.config.json)')
    .option('--revision <rev>', 'branch, tag or commit of a hub model (default: main)')
    .option('--stdin-json', 'read a JSON array of strings from standard input')
    // Imported on use, so other commands start without loading the tokenizer.
    .action(async (texts: string[], flags: TokenizeFlags) => (await import('./tokenizeAction.js')).tokenizeCommand(texts, flags));
}
