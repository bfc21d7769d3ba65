import { ApiError } from '../errors/api-error';

/** Monitor sockets one session may hold open at once (a dashboard tab needs one). */
export const MAX_MONITOR_SOCKETS_PER_SESSION = 8;

export const tooManySockets = () =>
  new ApiError({
    status: 429,
    message: `Too many monitor connections for this session (at most ${MAX_MONITOR_SOCKETS_PER_SESSION}); close another tab first.`,
    type: 'rate_limit_error',
    code: 'too_many_connections',
  });

/** Open monitor sockets per session id. */
export class SessionSocketCount {
  private readonly sessionOf = new Map<object, string>();
  private readonly counts = new Map<string, number>();

  constructor(readonly max = MAX_MONITOR_SOCKETS_PER_SESSION) {}

  full(sessionId: string): boolean {
    return (this.counts.get(sessionId) ?? 0) >= this.max;
  }

  /** Counts a socket for its session; false (and not counted) when the session is at its cap. */
  add(socket: object, sessionId: string): boolean {
    if (this.full(sessionId)) return false;
    this.sessionOf.set(socket, sessionId);
    this.counts.set(sessionId, (this.counts.get(sessionId) ?? 0) + 1);
    return true;
  }

  remove(socket: object): void {
    const id = this.sessionOf.get(socket);
    if (id === undefined) return;
    this.sessionOf.delete(socket);
    const n = (this.counts.get(id) ?? 1) - 1;
    if (n <= 0) this.counts.delete(id);
    else this.counts.set(id, n);
  }
}
