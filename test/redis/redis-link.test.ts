import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { deleteKeys, eventually, randomPrefix, redisEnv } from '../helpers/redis-env';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { RedisLink } from '../../src/redis/redis-link';

const prefix = randomPrefix();
let proxy: TcpProxy;
let gw: TestGateway;

beforeAll(async () => {
  proxy = await startTcpProxy('127.0.0.1', 6379);
  gw = await startGateway({ env: redisEnv(prefix, proxy.url) });
});
afterAll(async () => {
  await gw?.close();
  proxy?.close();
  await deleteKeys(prefix);
});

const health = async () => (await (await fetch(`${gw.url}/health`)).json()) as { status: string; redis: string };

describe('Redis connection owner', () => {
  test('/health says redis ok while Redis answers; keys carry the prefix', async () => {
    expect(await health()).toMatchObject({ status: 'ok', redis: 'ok' });
    await gw.ctx.redis!.send('SET', [gw.ctx.redis!.key('probe'), '1']);
    expect(gw.ctx.redis!.key('probe')).toBe(`${prefix}probe`);
  });

  test('Redis cut: degraded and redis down; restored: ok again without a restart, counted in /metrics', async () => {
    proxy.cut();
    expect(await eventually(async () => (await health()).redis === 'down')).toBe(true);
    expect(await health()).toMatchObject({ status: 'degraded', redis: 'down' });
    // Commands fail fast instead of queueing while down.
    await expect(gw.ctx.redis!.send('PING', [])).rejects.toThrow();
    let text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(text).toMatch(/gophergate_redis_up\{instance="[^"]+"\} 0\n/); // every sample names its instance

    proxy.restore();
    expect(await eventually(async () => (await health()).redis === 'ok')).toBe(true);
    expect((await health()).status).toBe('ok');
    expect(await gw.ctx.redis!.send('PING', [])).toBe('PONG');
    text = await (await fetch(`${gw.url}/metrics`)).text();
    expect(text).toMatch(/gophergate_redis_up\{instance="[^"]+"\} 1\n/);
    expect(text).toMatch(/gophergate_redis_reconnects_total\{instance="[^"]+"\} [1-9]/);
  });

  test('a Redis that answers but refuses the URL (no such database number) is down, and lastError says why', async () => {
    const link = new RedisLink('redis://127.0.0.1:6379/99', prefix, { retryMs: 60_000 }).start();
    try {
      expect(await link.whenUp(3_000)).toBe(false);
      expect(link.status()).toBe('down');
      expect(link.lastError()).toContain('DB index is out of range');
    } finally {
      link.close();
    }
    expect(gw.ctx.redis!.lastError()).toBeNull();
  });

  test('without a Redis URL the field says off', async () => {
    const plain = await startGateway();
    try {
      const h = (await (await fetch(`${plain.url}/health`)).json()) as { status: string; redis: string };
      expect(h).toMatchObject({ status: 'ok', redis: 'off' });
      expect(plain.ctx.redis).toBeNull();
    } finally {
      await plain.close();
    }
  });
});
