/**
 * Log rows waiting on something before they can be written (a token estimate, counted off the
 * main thread). Shutdown waits for them before it closes the log sink, so no accepted row is lost.
 * One per app (`ctx.pendingLogWrites`).
 */
export class PendingLogWrites {
  private readonly pending = new Set<Promise<void>>();

  track(p: Promise<unknown>): void {
    // A failure here must not become an unhandled rejection (it would end the process); it is said.
    const tracked: Promise<void> = p
      .then(
        () => {},
        (err) => console.error(`gophergate: a log row could not be written: ${(err as Error)?.message ?? err}`),
      )
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Resolves once every tracked write has run (including ones tracked while waiting). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
