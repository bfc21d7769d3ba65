import type { RedisLink } from '../../src/redis/redis-link';

/**
 * A re-read of Redis racing other instances, made to happen: the link's SCAN replies leave out the
 * keys holding `hidden` (a key created during a SCAN may or may not be returned: Redis's guarantee)
 * and one page is held back until `release()`: the first SCAN's page (`'first'`; `waiting` is true
 * until that SCAN was sent) or the last page of each scan (`'last'`, cursor 0). `restore()` puts
 * the link's own `send` back.
 */
export function holdScan(link: RedisLink, hidden: string, which: 'first' | 'last') {
  const send = link.send.bind(link);
  const gate = Promise.withResolvers<void>();
  let waiting = which === 'first';
  link.send = (async (cmd: string, args: string[]) => {
    const hold = waiting && cmd === 'SCAN';
    if (hold) waiting = false;
    const r = await send(cmd, args);
    if (cmd !== 'SCAN') return r;
    const [cursor, keys] = r as [string, string[]];
    if (hold || (which === 'last' && cursor === '0')) await gate.promise;
    return [cursor, keys.filter((k) => !k.includes(hidden))];
  }) as typeof link.send;
  return {
    get waiting() {
      return waiting;
    },
    release: () => gate.resolve(),
    restore: () => {
      link.send = send;
    },
  };
}
