/**
 * PostgreSQL failures that pass, by SQLSTATE (Bun's driver puts it in `errno`): the server's
 * resources (53: disk full, out of memory, too many connections), a read-only standby after a
 * failover (25006), a statement or lock timeout (57014, 55P03), a serialization failure or
 * deadlock (40001, 40P01), a system or I/O error (58), a shutdown (57P0x). The same write may work
 * a moment later; any other refusal is about the row itself and would fail again.
 */
const PASSING_SQLSTATE = /^(53|58|57P0|08)|^(25006|57014|55P03|40001|40P01)$/;

/** Whether `err` is such a failure: the rows are kept and retried, not dropped. */
export function isPassingPgFailure(err: unknown): boolean {
  const errno = (err as { errno?: unknown })?.errno;
  return typeof errno === 'string' && PASSING_SQLSTATE.test(errno);
}
