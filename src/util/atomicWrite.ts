import writeFileAtomic from 'write-file-atomic';

/**
 * The one way ClipBench writes a file that a reader (or a crash) must never see half-written:
 * write-file-atomic writes a uniquely named temporary file beside it (so two concurrent writers
 * never share one), fsyncs it and renames it over the target.
 */
export async function writeFileAtomically(file: string, data: string | Buffer): Promise<void> {
  await writeFileAtomic(file, data);
}

export function writeFileAtomicallySync(file: string, data: string | Buffer): void {
  writeFileAtomic.sync(file, data);
}
