/** Messages a monitor client may send in one window before its socket is closed (it needs none). */
export const MONITOR_MESSAGES_PER_WINDOW = 20;
const WINDOW_MS = 1_000;

/**
 * Counts what each monitor client sends. The monitor only sends, so a client's messages are
 * ignored, but each still costs a parse and a callback: a few (a client library's keep-alive
 * text) are let be, a flood closes the socket (monitor-routes.ts, 1008). Per socket, dropped
 * with it.
 */
export class SocketMessageBudget {
  private readonly spent = new Map<object, { start: number; n: number }>();

  constructor(
    readonly perWindow = MONITOR_MESSAGES_PER_WINDOW,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one message of `socket`; false once it sent more than `perWindow` in its window. */
  spend(socket: object): boolean {
    const t = this.now();
    let s = this.spent.get(socket);
    if (!s || t - s.start >= WINDOW_MS) this.spent.set(socket, (s = { start: t, n: 0 }));
    return ++s.n <= this.perWindow;
  }

  forget(socket: object): void {
    this.spent.delete(socket);
  }
}
