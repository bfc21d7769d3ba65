import { ApiError } from '../errors/api-error';

/** Monitor sockets one session may hold open at once (a dashboard tab needs one). */
export const MAX_MONITOR_SOCKETS_PER_SESSION = 8;
/**
 * Monitor sockets one user may hold open over all their sessions (several browsers and devices):
 * signing in again opens a new session, so the session's cap alone did not bound a user.
 */
export const MAX_MONITOR_SOCKETS_PER_USER = 32;

export const tooManySockets = (per: 'session' | 'user') =>
  new ApiError({
    status: 429,
    message: `Too many monitor connections for this ${per} (at most ${per === 'session' ? MAX_MONITOR_SOCKETS_PER_SESSION : MAX_MONITOR_SOCKETS_PER_USER}); close another tab first.`,
    type: 'rate_limit_error',
    code: 'too_many_connections',
  });

/** Open sockets per key (a session's or a user's id), at most `max` each. */
class SocketCount {
  private readonly counts = new Map<string, number>();
  constructor(readonly max: number) {}
  full(key: string): boolean {
    return (this.counts.get(key) ?? 0) >= this.max;
  }
  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  remove(key: string): void {
    const n = (this.counts.get(key) ?? 1) - 1;
    if (n <= 0) this.counts.delete(key);
    else this.counts.set(key, n);
  }
}

/** Open monitor sockets per session and per user, each under its cap. */
export class MonitorSocketCaps {
  private readonly ownerOf = new Map<object, { sessionId: string; userId: string }>();
  private readonly sessions: SocketCount;
  private readonly users: SocketCount;

  constructor(perSession = MAX_MONITOR_SOCKETS_PER_SESSION, perUser = MAX_MONITOR_SOCKETS_PER_USER) {
    this.sessions = new SocketCount(perSession);
    this.users = new SocketCount(perUser);
  }

  /** Which cap a new socket of this session and user would pass, or null when both have room. */
  full(sessionId: string, userId: string): 'session' | 'user' | null {
    return this.sessions.full(sessionId) ? 'session' : this.users.full(userId) ? 'user' : null;
  }

  /** Counts a socket for its session and user; false (and not counted) when either is at its cap. */
  add(socket: object, sessionId: string, userId: string): boolean {
    if (this.full(sessionId, userId)) return false;
    this.ownerOf.set(socket, { sessionId, userId });
    this.sessions.add(sessionId);
    this.users.add(userId);
    return true;
  }

  remove(socket: object): void {
    const owner = this.ownerOf.get(socket);
    if (!owner) return;
    this.ownerOf.delete(socket);
    this.sessions.remove(owner.sessionId);
    this.users.remove(owner.userId);
  }
}
