import { execFileSync } from 'node:child_process';

export interface GitState {
  readonly commit: string | null;
  readonly dirty: boolean | null;
}

/**
 * The commit a run measured. git may be missing or the folder not a checkout (an npm install, a CI
 * cache restore); then CI's $GITHUB_SHA when set, else unknown. Never throws: history is a
 * by-product of a run and must not fail it.
 */
export function gitState(cwd: string): GitState {
  const commit = git(['rev-parse', '--verify', 'HEAD'], cwd);
  if (commit === null) return { commit: process.env.GITHUB_SHA?.trim() || null, dirty: null };
  const status = git(['status', '--porcelain', '--untracked-files=no'], cwd);
  return { commit, dirty: status === null ? null : status !== '' };
}

function git(args: readonly string[], cwd: string): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  } catch {
    return null;
  }
}
