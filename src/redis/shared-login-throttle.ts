import { LoginThrottle } from '../auth/login-throttle';
import type { RedisLink } from './redis-link';

export const LOGIN_THROTTLE_CHANNEL = 'login-throttle';

type FailArgs = Parameters<LoginThrottle['fail']>;
type Notice = { o: string; fail: FailArgs } | { o: string; clear: string };

/**
 * The login throttle across instances: the same checks and counting as the in-memory throttle
 * (this class only adds to it), and every failure and clear is also published on
 * `<prefix>login-throttle`; every other instance counts it in its own copy. So failed sign-ins
 * add up over all instances: five wrong passwords spread over three instances lock the account
 * on all three. The check stays local (no round trip before a password check). What an instance
 * misses (started later, or cut off from Redis) it does not count: the throttle is a brake on
 * guessing, not an exact counter.
 */
export class SharedLoginThrottle extends LoginThrottle {
  constructor(
    now: () => number,
    private readonly link: RedisLink,
  ) {
    super(now);
    link.onNotice<Notice>(LOGIN_THROTTLE_CHANNEL, (n) => {
      if ('fail' in n && Array.isArray(n.fail)) super.fail(...n.fail);
      else if ('clear' in n && typeof n.clear === 'string') super.clear(n.clear);
    });
  }

  override fail(...args: FailArgs): void {
    super.fail(...args);
    this.link.publish(LOGIN_THROTTLE_CHANNEL, JSON.stringify({ o: this.link.origin, fail: args } satisfies Notice));
  }

  override clear(key: string): void {
    super.clear(key);
    this.link.publish(LOGIN_THROTTLE_CHANNEL, JSON.stringify({ o: this.link.origin, clear: key } satisfies Notice));
  }
}
