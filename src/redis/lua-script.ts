import type { RedisLink } from './redis-link';

/**
 * A Lua script run by its SHA1 (EVALSHA), loaded with EVAL the first time a server has not
 * seen it (a fresh or restarted Redis): one round trip in the usual case.
 */
export class LuaScript {
  private sha: string | null = null;

  constructor(readonly source: string) {}

  async run(link: RedisLink, keys: readonly string[], args: readonly (string | number)[]): Promise<any> {
    const tail = [String(keys.length), ...keys, ...args.map(String)];
    if (this.sha) {
      try {
        return await link.send('EVALSHA', [this.sha, ...tail]);
      } catch (err) {
        if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
      }
    }
    const result = await link.send('EVAL', [this.source, ...tail]);
    this.sha ??= new Bun.CryptoHasher('sha1').update(this.source).digest('hex');
    return result;
  }
}
