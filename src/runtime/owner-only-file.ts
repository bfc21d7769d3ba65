import { chmodSync, statSync } from 'node:fs';

/**
 * Makes a file that holds secrets (the database, its -wal and -shm, encryption.key) 0600 when its
 * group or others may use it: one made by hand under umask 022 or restored from a backup. A file
 * this user may use but not change (another owner sharing it through a group, a read-only mount)
 * is left as it is: only the owner may chmod, and refusing to start over the mode of a file the
 * gateway can read and write stopped a start that would have worked.
 */
export function tightenToOwnerOnly(file: string): void {
  try {
    if (statSync(file).mode & 0o077) chmodSync(file, 0o600);
  } catch {
    // missing (a -wal not made yet), or not ours to change
  }
}
