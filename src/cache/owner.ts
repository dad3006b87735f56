import os from 'node:os';

/**
 * Owners are `host/pid/nonce`. The local SQLite store frees a dead pid's claims on this host at
 * once (ownerAlive); elsewhere, and on a shared server where another container's pid means
 * nothing here, the lease decides.
 */
export function newOwnerId(): string {
  return `${os.hostname()}/${process.pid}/${Math.random().toString(36).slice(2, 8)}`;
}

export function ownerAlive(owner: string): boolean {
  const [host, pid] = owner.split('/');
  if (host !== os.hostname()) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
