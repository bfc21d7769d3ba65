/**
 * Unique-constraint failures of either store, so a create that lost a race to an identical one
 * (both saw the name free, the database let one in) answers the route's 409 like a name seen
 * taken first, never a 500.
 */

/** Whether `err` (the driver's error, or Drizzle's wrapping of it as `cause`) is a unique or primary-key violation. */
export function isUniqueViolation(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, errno } = e as { code?: unknown; errno?: unknown };
    // bun:sqlite: SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY; Bun's PostgreSQL driver: SQLSTATE 23505 in errno.
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return true;
    if (errno === '23505' || code === '23505') return true;
  }
  return false;
}

/** `write`'s result; a unique violation becomes `conflict()` (the route's 409), other failures pass. */
export async function orConflict<T>(write: PromiseLike<T>, conflict: () => Error): Promise<T> {
  try {
    return await write;
  } catch (err) {
    throw isUniqueViolation(err) ? conflict() : err;
  }
}
