/**
 * Bridged Responses on PostgreSQL: a conversation stored by one instance is continued through
 * another with `previous_response_id` (read from the shared table), for the same client only.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { ResponseStore } from '../../src/responses/response-store';
import { isToolResultMedia, markToolResultMedia } from '../../src/providers/shared/tool-result-media';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { apiError, startGateway, type TestGateway } from '../helpers/start-gateway';

let db: TestDatabase;
let a: TestGateway;
let b: TestGateway;
beforeAll(async () => {
  db = await createTestDatabase();
  const env = (id: string) => ({ LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__INSTANCE_ID: id, LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' });
  a = await startGateway({ env: env('resp-a') });
  b = await startGateway({ env: env('resp-b') });
}, 60_000);
afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
});

test('previous_response_id stored on A continues on B; another client gets the 400 previous_response_not_found', async () => {
  const first = await a.openai().responses.create({ model: 'mock/echo-1', input: 'remember the word heron' });
  expect(first.id).toMatch(/^resp_/);
  const second = await b.openai(a.clientKey).responses.create({ model: 'mock/echo-1', previous_response_id: first.id, input: 'which word?' });
  expect(second.previous_response_id).toBe(first.id);

  const other = await b
    .openai()
    .responses.create({ model: 'mock/echo-1', previous_response_id: first.id, input: 'not yours' })
    .then(() => 200, (e) => e.status);
  expect(other).toBe(400);
}, 30_000);

test('a follow-up sent to B the moment A answered finds the conversation, for a whole answer and a stream (no retry)', async () => {
  // What a client behind a round-robin balancer does: the next turn goes out as soon as the answer is read.
  for (let i = 0; i < 5; i++) {
    const first = await a.openai().responses.create({ model: 'mock/echo-1', input: `remember the number ${i}` });
    const next = await b.openai(a.clientKey).responses.create({ model: 'mock/echo-1', previous_response_id: first.id, input: 'which number?' });
    expect(next.previous_response_id).toBe(first.id);
  }
  for (let i = 0; i < 5; i++) {
    const stream = await a.openai().responses.create({ model: 'mock/echo-1', input: `remember the letter ${i}`, stream: true });
    let id = '';
    for await (const e of stream) if (e.type === 'response.completed') id = e.response.id;
    expect(id).toMatch(/^resp_/);
    // Completed as the stream said, not still `in_progress` (a 400) or unknown (a 404).
    const next = await b.openai(a.clientKey).responses.create({ model: 'mock/echo-1', previous_response_id: id, input: 'which letter?' });
    expect(next.previous_response_id).toBe(id);
  }
}, 30_000);

test('a response deleted through B can no longer be continued or referred to through A, which held it in memory: 400 previous_response_not_found, 404 item_not_found', async () => {
  const first = await a.openai().responses.create({ model: 'mock/echo-1', input: 'forget the word heron' });
  await b.openai(a.clientKey).responses.delete(first.id);
  const follow = await apiError(a.openai().responses.create({ model: 'mock/echo-1', previous_response_id: first.id, input: 'which word?' }));
  expect(follow.status).toBe(400);
  expect(follow.error).toMatchObject({ code: 'previous_response_not_found', param: 'previous_response_id' });
  const reference = await apiError(
    a.openai().responses.create({ model: 'mock/echo-1', input: [{ type: 'item_reference', id: first.output[0]!.id! }, { role: 'user', content: 'which word?' }] }),
  );
  expect(reference.status).toBe(404);
  expect(reference.error).toMatchObject({ code: 'item_not_found', param: 'input[0].id' });
}, 30_000);

test('close() writes the queued conversations and waits for PostgreSQL (a draining instance exits right after)', async () => {
  // A flush delay far past the test: only close() can write the row.
  const store = new ResponseStore(a.ctx.store, { flushDelayMs: 600_000 });
  const id = `resp_close_${crypto.randomUUID().replaceAll('-', '')}`;
  store.save(id, { clientId: a.clientId, model: 'mock/echo-1', messages: [{ role: 'user', content: 'kept' }] });
  await store.close();
  const [row] = await a.ctx.store.all<{ messages: string }>('SELECT messages FROM stored_responses WHERE id = ?', [id]);
  expect(JSON.parse(row!.messages)).toEqual([{ role: 'user', content: 'kept' }]);
});

test('a follow-up on B that sends the conversation again (an item reference two responses back) is not repeated: the chain is read from the table', async () => {
  const c = a.openai();
  const r1 = await c.responses.create({ model: 'mock/echo-1', input: 'remember the word heron' });
  const r2 = await c.responses.create({ model: 'mock/echo-1', previous_response_id: r1.id, input: 'and the word crane' });
  const r3 = await c.responses.create({ model: 'mock/echo-1', previous_response_id: r2.id, input: 'and the word stork' });
  const replay = [
    { role: 'user' as const, content: 'remember the word heron' },
    { type: 'item_reference' as const, id: r1.output[0]!.id! },
    { role: 'user' as const, content: 'which words?' },
  ];
  let r4;
  for (let i = 0; i < 50 && !r4; i++) {
    r4 = await b
      .openai(a.clientKey)
      .responses.create({ model: 'mock/echo-1', previous_response_id: r3.id, input: replay })
      .catch((e) => (e.status === 404 ? undefined : Promise.reject(e)));
    if (!r4) await Bun.sleep(100);
  }
  expect(r4).toBeDefined();
  const items = await b.openai(a.clientKey).responses.inputItems.list(r4!.id);
  expect(items.data.map((i: any) => i.content?.[0]?.text)).toEqual(['which words?']);
}, 30_000);

test("a tool result's image keeps its tool-result mark through PostgreSQL (another instance's follow-up gives DeepSeek the placeholder)", async () => {
  const id = `resp_mark_${crypto.randomUUID().replaceAll('-', '')}`;
  const shot = markToolResultMedia({ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'auto' } });
  const writer = new ResponseStore(a.ctx.store);
  writer.save(id, { clientId: a.clientId, model: 'deepseek-chat', messages: [{ role: 'tool', tool_call_id: 'c1', content: 'ok' }, { role: 'user', content: [shot] }] });
  await writer.close();
  const reader = new ResponseStore(b.ctx.store);
  await reader.load(id);
  const [part] = reader.get(id, a.clientId)!.messages[1]!.content as any[];
  expect(part).toEqual({ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'auto' } });
  expect(isToolResultMedia(part)).toBe(true);
});

// Last: its row cap prunes the other tests' conversations.
test("the row cap counts conversations only: a forwarded response's owner is kept on PostgreSQL too", async () => {
  let now = Date.now() + 86_400_000; // the newest rows of the table
  const store = new ResponseStore(a.ctx.store, { maxRows: 2, flushDelayMs: 600_000, now: () => now });
  const tag = crypto.randomUUID().replaceAll('-', '');
  store.save(`resp_fwd_${tag}`, { clientId: a.clientId, model: 'gpt-5-mini', messages: [], provider: 'openai', forwarded: true });
  for (const n of [1, 2, 3]) {
    now += 1000;
    store.save(`resp_${n}_${tag}`, { clientId: a.clientId, model: 'mock/echo-1', messages: [{ role: 'user', content: 'hi' }] });
  }
  await store.close();
  const rows = await a.ctx.store.all<{ id: string }>('SELECT id FROM stored_responses WHERE id LIKE ? ORDER BY id', [`%${tag}`]);
  expect(rows.map((r) => r.id)).toEqual([`resp_2_${tag}`, `resp_3_${tag}`, `resp_fwd_${tag}`]);
});
