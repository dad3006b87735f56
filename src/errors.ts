/**
 * A problem with what the user gave us (a bad file, row, flag or template). The CLI prints the
 * message alone, without a stack, and exits 2; anything else is a bug or a failed run (exit 1).
 */
export class InputError extends Error {
  override readonly name: string = 'InputError';
}
