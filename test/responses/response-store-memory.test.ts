/**
 * Large bridged conversations through the gateway, as a client sends them (the official SDK): the
 * stored-responses cache stays within its size bound, and a follow-up to a response that left the
 * cache is still served (read back from the table).
 */
import { afterAll, expect, test } from 'bun:test';
import { MAX_CACHE_BYTES } from '../../src/responses/response-store';
import { okCompletion, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';

const deepseek = startFakeUpstream((_req, rec) => okCompletion(rec.body.model));
let gw: TestGateway;
useGateway((g) => (gw = g), { env: providerEnv('deepseek', deepseek.url) });
afterAll(() => deepseek.close());

test('ten responses of 8 MB input: the cache holds at most its bound; the first is still continued', async () => {
  const client = gw.openai();
  const input = (i: number) => `${i} ${'y'.repeat(8 * 1024 * 1024)}`;
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) ids.push((await client.responses.create({ model: 'deepseek/deepseek-chat', input: input(i) })).id);
  await gw.ctx.responseStore.flush();
  const memory = gw.ctx.responseStore.memory;
  // 80 MB of conversations were stored; the cache keeps the newest within its bound.
  expect(memory.cachedBytes).toBeLessThanOrEqual(MAX_CACHE_BYTES);
  expect(memory.cached).toBeLessThan(10);
  deepseek.requests.length = 0;
  const next = await client.responses.create({ model: 'deepseek/deepseek-chat', input: 'and then?', previous_response_id: ids[0] });
  expect(next.status).toBe('completed');
  // The conversation of the first response, then the new turn (the gateway may add its own system message).
  const sent = (deepseek.requests.at(-1)!.body.messages as { role: string; content: string }[]).filter((m) => m.role !== 'system');
  expect(sent.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  expect(sent[0]!.content.startsWith('0 yyy')).toBe(true);
  expect(gw.ctx.responseStore.memory.cachedBytes).toBeLessThanOrEqual(MAX_CACHE_BYTES);
}, 60_000);
