import path from 'node:path';
import { resolveRunConfig } from '../config/config.js';
import { runDoctor } from '../doctor/doctor.js';
import { formatDoctorText } from '../doctor/format.js';
import { doctorPage } from '../doctor/page.js';
import { writeFileAtomically } from '../util/atomicWrite.js';
import { PACKAGE_ROOT } from '../version.js';
import type { DoctorFlags } from './doctor.js';

/** `bench doctor`: runs both pipelines side by side and prints (and optionally writes) what differs. */
export async function doctorCommand(flags: DoctorFlags): Promise<void> {
  const cwd = process.cwd();
  const config = resolveRunConfig(cwd, {});
  const report = await runDoctor({
    model: flags.model ?? config.model,
    revision: flags.revision,
    // The bundled data and prompts rather than the config's: the doctor's figures should mean the same everywhere.
    dataset: flags.dataset ?? path.join(PACKAGE_ROOT, 'datasets/fashion-mnist-1k'),
    datasetsDir: config.datasetsDir,
    prompts: flags.prompts ? path.resolve(cwd, flags.prompts) : path.join(PACKAGE_ROOT, 'prompts/imagenet-80.hbs'),
    limit: flags.limit,
    threads: flags.threads,
    cwd,
  });
  if (flags.out) await writeFileAtomically(path.resolve(cwd, flags.out), doctorPage(report));
  process.stdout.write(flags.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorText(report));
}
