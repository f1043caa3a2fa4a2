/** Lease owner ids and the "is the holder still alive?" check for holders on this host. */
import { randomBytes } from 'node:crypto';
import os from 'node:os';

/** A lease owner id: `<hostname>:<pid>:<random>`. */
export function createOwnerId(pid: number = process.pid): string {
  return `${os.hostname()}:${pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * True when `owner` names a process on this host that no longer exists (its lease can be
 * taken over at once instead of waiting for it to expire). False when unsure.
 */
export function isDeadLocalOwner(owner: string): boolean {
  const parts = owner.split(':');
  if (parts.length < 3) return false;
  const pid = Number(parts[parts.length - 2]);
  const host = parts.slice(0, -2).join(':');
  if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
