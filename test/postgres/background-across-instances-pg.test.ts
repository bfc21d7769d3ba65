/**
 * Bridged `background: true` responses with two instances on one PostgreSQL database, as a client
 * behind a round-robin balancer uses them: created through A (which runs the call), then polled,
 * cancelled or deleted through B the moment A answered `queued`. README: "`retrieve` without
 * stream works everywhere; a cancel through another instance is stored and ends the call there
 * within seconds". Before, A answered `queued` before the response was written, so B's retrieve
 * (the SDK's poll loop) and cancel got 404 for the first moments; a cancel stored by B before A's
 * run saved `in_progress` was undone by that save, and the call ran on to its end. OpenAI's own
 * background response streamed through A: the client that leaves after `response.created` and
 * retrieves it through B is answered (B knows which key made it), not 404.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { ResponseStore } from '../../src/responses/response-store';
import { jsonResponse, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { heldDeepSeekStreams, type HeldStreams } from '../helpers/held-streams';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { eventually } from '../helpers/redis-env';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(60_000);

const MODEL = 'deepseek/deepseek-chat';
let db: TestDatabase;
let streams: HeldStreams;
/** OpenAI: each background response streams its start and one delta, then hangs; a GET reads it in progress. */
let openai: FakeUpstream;
const openaiResponse = (id: string) => ({ id, object: 'response', created_at: 1, status: 'in_progress', background: true, model: 'gpt-4o-mini', output: [], usage: null, error: null, incomplete_details: null });
let made = 0;
let a: TestGateway;
let b: TestGateway;

beforeAll(async () => {
  streams = heldDeepSeekStreams();
  openai = startFakeUpstream((_req, rec) => {
    if (rec.method === 'POST' && rec.path === '/v1/responses') {
      const r = openaiResponse(`resp_oa${String(++made).padStart(10, '0')}`);
      const delta = { type: 'response.output_text.delta', sequence_number: 1, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Once upon' };
      return sseResponse([JSON.stringify({ type: 'response.created', sequence_number: 0, response: r }), JSON.stringify(delta)], { hangAfter: 2 });
    }
    const id = /^\/v1\/responses\/(resp_\w+)$/.exec(rec.path)?.[1];
    return id ? jsonResponse(openaiResponse(id)) : jsonResponse({ error: { message: 'No such thing.', type: 'invalid_request_error', param: null, code: null } }, 404);
  });
  db = await createTestDatabase('gg_bg_across');
  const env = (id: string) => ({
    ...providerEnv('deepseek', streams.fake.url), ...providerEnv('openai', `${openai.url}/v1`),
    LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__INSTANCE_ID: id,
  });
  a = await startGateway({ env: env('bg-a') });
  b = await startGateway({ env: env('bg-b') });
});
afterAll(async () => {
  streams?.release();
  await a?.close();
  await b?.close();
  await db?.drop();
  streams?.fake.close();
  openai?.close();
});

/** The stored status as A (the instance running it) reads it back. */
const statusOnA = async (id: string) => (await a.openai().responses.retrieve(id)).status;

test('retrieve through B the moment A answered queued: found (not 404), whole answers and streams', async () => {
  for (let i = 0; i < 5; i++) {
    const r = await a.openai().responses.create({ model: MODEL, input: `poll me ${i}`, background: true });
    expect(r.status).toBe('queued');
    const polled = await b.openai(a.clientKey).responses.retrieve(r.id);
    expect(polled.id).toBe(r.id);
    expect(await eventually(async () => (await b.openai(a.clientKey).responses.retrieve(r.id)).status === 'completed', 10_000)).toBe(true);
  }
  for (let i = 0; i < 3; i++) {
    const stream = await a.openai().responses.create({ model: MODEL, input: `stream me ${i}`, background: true, stream: true });
    let id = '';
    for await (const e of stream) {
      if (e.type !== 'response.created') continue;
      id = e.response.id;
      break; // the client leaves once it has the id (the call runs on) and polls elsewhere
    }
    expect(id).toMatch(/^resp_/);
    expect((await b.openai(a.clientKey).responses.retrieve(id)).id).toBe(id);
  }
});

test('cancelled through B the moment A answered queued: B says cancelled, and the call on A ends within seconds with one 499 row', async () => {
  streams.hold();
  try {
    const made = await a.openai().responses.create({ model: MODEL, input: 'cancel me', background: true }).withResponse();
    const r = made.data;
    const cancelled = await b.openai(a.clientKey).responses.cancel(r.id);
    expect(cancelled.status).toBe('cancelled');
    // A's watch reads the cancel from the table and ends the upstream call (held, it would run on).
    expect(await eventually(async () => (await statusOnA(r.id)) === 'cancelled', 10_000)).toBe(true);
    expect((await a.waitForRow(made)).status).toBe(499);
  } finally {
    streams.release();
  }
});

test('deleted through B the moment A answered queued: gone on both, and the call on A ends', async () => {
  streams.hold();
  try {
    const made = await a.openai().responses.create({ model: MODEL, input: 'delete me', background: true }).withResponse();
    const r = made.data;
    const del = await b.openai(a.clientKey).responses.delete(r.id);
    expect(del).toMatchObject({ id: r.id, deleted: true });
    // A may still be writing its own `in_progress` save for a moment; the delete wins.
    expect(await eventually(async () => (await a.openai().responses.retrieve(r.id).then(() => 200, (e) => e.status)) === 404, 10_000)).toBe(true);
    // The upstream call (held, it would run on) is ended, and its one row written as a cancel's.
    expect(await eventually(async () => a.ctx.backgroundJobs.get(r.id)?.ended === true, 10_000)).toBe(true);
    expect((await a.waitForRow(made)).status).toBe(499);
  } finally {
    streams.release();
  }
});

test("OpenAI's background response streamed through A, left after response.created: B retrieves it at once, another key gets 404", async () => {
  for (let i = 0; i < 3; i++) {
    const abort = new AbortController();
    const res = await a.fetch('/v1/responses', { method: 'POST', body: JSON.stringify({ model: 'openai/gpt-4o-mini', input: `story ${i}`, background: true, stream: true }), signal: abort.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('response.created')) seen += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    const id = /"id":"(resp_oa\d+)"/.exec(seen)![1]!;
    const read = await b.openai(a.clientKey).responses.retrieve(id);
    expect(read).toMatchObject({ id, status: 'in_progress' });
    expect(await b.openai(b.clientKey).responses.retrieve(id).then(() => 200, (e) => e.status)).toBe(404);
  }
});

test("a first save written again (a retry: its COMMIT may have gone through) after B stored the response cancelled: the cancel stays", async () => {
  const id = `resp_retry_${crypto.randomUUID().replaceAll('-', '')}`;
  const conv = (status: string) => ({
    clientId: a.clientId, model: MODEL, messages: [{ role: 'user' as const, content: 'hi' }], provider: 'deepseek',
    response: { id, object: 'response', status, background: true, output: [] },
  });
  const onB = new ResponseStore(b.ctx.store, { flushDelayMs: 600_000 });
  onB.save(id, conv('cancelled'));
  await onB.close();
  // A's run: its first save's retry (an INSERT that finds the row), and its `in_progress` save.
  const onA = new ResponseStore(a.ctx.store, { flushDelayMs: 600_000 });
  onA.save(id, conv('in_progress'));
  await onA.close();
  const [row] = await a.ctx.store.all<{ status: string }>("SELECT response::json ->> 'status' AS status FROM stored_responses WHERE id = ?", [id]);
  expect(row?.status).toBe('cancelled');
});
