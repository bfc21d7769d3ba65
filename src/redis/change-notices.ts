import { RedisClient } from 'bun';
import type { AuthRuntime } from '../auth/auth-runtime';
import type { StateStore } from '../state/state-store';
import type { RedisLink } from './redis-link';

export const CHANGES_CHANNEL = 'changes';

/** What changed: the config snapshot (keys, models, prices, groups, providers, provider keys) or sessions/users. */
type Notice = { o: string; k: 'state' | 'sessions' };

/**
 * Change notices between instances. Each admin change that reloads this instance's snapshot,
 * or drops its cached sessions (logout, password change or reset, user deleted), publishes a
 * notice on `<prefix>changes`; every other instance re-reads its snapshot (or drops its cached
 * sessions) on it, so a revoked key or a new price is in force everywhere within milliseconds.
 * On each connection (the first too, and after Redis was lost) both are refreshed, since
 * notices may have been missed; while it is down, sessions are read from the store on each request.
 */
export function connectChangeNotices(link: RedisLink, state: StateStore, rt: AuthRuntime): void {
  const send = (k: Notice['k']) => link.publish(CHANGES_CHANNEL, JSON.stringify({ o: link.origin, k } satisfies Notice));
  state.onLocalChange(() => send('state'));
  rt.onInvalidate = () => send('sessions');
  link.onNotice<Notice>(CHANGES_CHANNEL, (n) => {
    if (n.k === 'state') state.reload('outside');
    else if (n.k === 'sessions') rt.dropSessions();
  });
  // Only while connected do other instances' sign-outs reach this one; while Redis is down the
  // session row is read on every request (preloadSession), as without Redis, not served from the cache.
  rt.toldOfOutsideChanges = link.isUp();
  link.onUp(() => {
    state.reload('outside');
    rt.dropSessions();
    rt.toldOfOutsideChanges = true;
  });
  link.onDown(() => {
    rt.toldOfOutsideChanges = false;
  });
}

/**
 * From a process that is no instance (`--reset-admin`): tells the running instances that sessions
 * ended, so none serves a signed-out one from its session cache. False when Redis could not be
 * told (the instances then drop such a session within their cache's 5 s).
 */
export async function announceSessionsEnded(url: string, prefix: string): Promise<boolean> {
  const client = new RedisClient(url, { autoReconnect: false, enableOfflineQueue: false, connectionTimeout: 2000 });
  try {
    const notice: Notice = { o: `cli-${crypto.randomUUID()}`, k: 'sessions' };
    await client.connect();
    await client.send('PUBLISH', [prefix + CHANGES_CHANNEL, JSON.stringify(notice)]);
    return true;
  } catch {
    return false;
  } finally {
    client.close();
  }
}
