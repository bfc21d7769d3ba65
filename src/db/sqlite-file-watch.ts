import { statSync } from 'node:fs';

export interface SqliteFileWatch {
  /** What is wrong with the file at the database path just now, or null. */
  problem(): string | null;
  stop(): void;
}

const identity = (path: string): string | null => {
  try {
    const s = statSync(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return null;
  }
};

/**
 * Checks every `intervalMs` that the database path still names the file SQLite opened. Deleted or
 * moved away, SQLite writes on into the open, nameless file, and all of it is lost at the next
 * stop: `report` is told once (again only after it was back), and problem() names it for /health.
 * Moved back, the problem clears.
 */
export function watchSqliteFile(path: string, report: (message: string) => void, intervalMs = 1000): SqliteFileWatch {
  const opened = identity(path);
  let problem: string | null = null;
  const check = () => {
    const now = identity(path);
    const next = opened === null || now === opened ? null
      : `the database file ${path} is no longer at that path (deleted, moved or replaced while the gateway runs): ` +
        'what it writes now is lost when it stops. Move the file back, or stop the gateway and restore a backup.';
    if (next && !problem) report(`gophergate: ${next}`);
    problem = next;
  };
  const timer = setInterval(check, intervalMs);
  (timer as { unref?: () => void }).unref?.();
  return { problem: () => problem, stop: () => clearInterval(timer) };
}
