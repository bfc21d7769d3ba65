/**
 * Log rows waiting on something before they can be written (a token estimate, counted off the
 * main thread). Shutdown waits for them before it closes the log sink, so no accepted row is lost.
 */
const pending = new Set<Promise<unknown>>();

export function trackLogWrite(p: Promise<unknown>): void {
  pending.add(p);
  void p.finally(() => pending.delete(p));
}

/** Resolves once every tracked write has run (including ones tracked while waiting). */
export async function logWritesSettled(): Promise<void> {
  while (pending.size > 0) await Promise.allSettled([...pending]);
}
