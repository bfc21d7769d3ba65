import type { RedisLink } from './redis-link';

/**
 * A Lua script run by its SHA1 (EVALSHA) on a connection that has already run it, by EVAL (which
 * loads it) the first time on each connection: one round trip either way. Tracked per connection,
 * not per process: a server that has not seen the script (a fresh or restarted Redis, which always
 * means a new connection) answers NOSCRIPT, and the EVAL sent after that answer would pass the
 * writes sent meanwhile, undoing their order (a probe's claim overwritten by the cooldown before it).
 * NOSCRIPT on a known connection (SCRIPT FLUSH) still falls back to EVAL.
 */
export class LuaScript {
  private readonly sha: string;
  /** The connections (RedisLink.connection()) that have run the script. */
  private readonly loadedOn = new WeakSet<object>();

  constructor(readonly source: string) {
    this.sha = new Bun.CryptoHasher('sha1').update(source).digest('hex');
  }

  async run(link: RedisLink, keys: readonly string[], args: readonly (string | number)[]): Promise<any> {
    const tail = [String(keys.length), ...keys, ...args.map(String)];
    const conn = link.connection();
    if (conn && this.loadedOn.has(conn)) {
      try {
        return await link.send('EVALSHA', [this.sha, ...tail]);
      } catch (err) {
        if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
      }
    }
    const result = await link.send('EVAL', [this.source, ...tail]);
    if (conn) this.loadedOn.add(conn);
    return result;
  }
}
