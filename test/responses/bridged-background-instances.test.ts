/**
 * A bridged background response on several instances (PostgreSQL): any instance reads it from the
 * store; a cancel through another instance than the one running it is stored, and the running
 * instance ends the upstream call within seconds; only the running instance holds its events. A
 * cancel, through either, is stored before it is answered.
 */
import { afterAll, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { readChunks, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

const CHUNKS = readChunks('responses', 'deepseek-reasoner-text.chunks.txt');
const deepseek = startFakeUpstream(() => sseResponse([...CHUNKS, '[DONE]'], { hangAfter: 3, onAbort: () => deepseek.noteAbort() }));
let db: TestDatabase;
let a: TestGateway;
let b: TestGateway;
afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
  deepseek.close();
});

/** The response's status read through `client` until it is in progress (bounded; '' while not yet readable there). */
async function statusOnceInProgress(client: OpenAI, id: string): Promise<string> {
  let seen = '';
  for (let i = 0; i < 500 && seen !== 'in_progress'; i++) {
    seen = await client.responses.retrieve(id).then((r) => String(r.status), () => '');
    if (seen !== 'in_progress') await Bun.sleep(10);
  }
  return seen;
}

test("cancelled through another instance: the running one ends the call, its follower's stream ends with the response cancelled; cancelled on both, one row", async () => {
  db = await createTestDatabase();
  const env = (id: string) => providerEnv('deepseek', deepseek.url, { LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__INSTANCE_ID: id });
  a = await startGateway({ env: env('bg-a') });
  b = await startGateway({ env: env('bg-b') });
  const onA = a.openai();
  const onB = b.openai(a.clientKey);
  // Followed on A, as it streams.
  const { data: stream, response } = await onA.responses.create({ model: 'deepseek-reasoner', input: 'Hello', background: true, stream: true }).withResponse();
  const events: any[] = [];
  const followed = (async () => {
    for await (const e of stream) events.push(e);
  })();
  for (let i = 0; i < 500 && !events.length; i++) await Bun.sleep(10);
  const queued = events[0].response;
  // Written a moment later: the other instance sees it in progress once the upstream answered.
  expect(await statusOnceInProgress(onB, queued.id)).toBe('in_progress');
  // Its events are held by the instance running it.
  expect((await apiError(onB.responses.retrieve(queued.id, { stream: true }) as any)).param).toBe('stream');
  const cancelled = await onB.responses.cancel(queued.id);
  expect(cancelled).toMatchObject({ id: queued.id, status: 'cancelled' });
  // Stored before it is answered, as a new response is: any instance read at once says so.
  const [row] = await b.ctx.store.all<{ response: string }>('SELECT response FROM stored_responses WHERE id = ?', [queued.id]);
  expect(JSON.parse(row!.response).status).toBe('cancelled');
  await deepseek.waitForAbort(1);
  await a.ctx.responseStore.flush();
  for (const client of [onA, onB]) {
    let status = '';
    for (let i = 0; i < 500 && status !== 'cancelled'; i++) {
      status = (await client.responses.retrieve(queued.id)).status ?? '';
      if (status !== 'cancelled') await Bun.sleep(10);
    }
    expect(status).toBe('cancelled');
  }
  // The follower on A saw its end: the response as the run ended it (OpenAI's union has no response.cancelled).
  await followed;
  expect(events.at(-1)).toMatchObject({ type: 'response.incomplete', response: { id: queued.id, status: 'cancelled' } });
  // B stored it cancelled as it stood in the store; A's run, ended, stores it as it ended (what its follower got).
  await a.ctx.responseStore.flush();
  expect(events.at(-1).response.output).toEqual((await onA.responses.retrieve(queued.id)).output);
  expect(await a.waitForRow(response)).toMatchObject({ endpoint: 'responses', status: 499 });
}, 60_000);

test('cancelled through the instance running it: stored cancelled before the answer, so any instance read at once says so', async () => {
  const onA = a.openai();
  const queued = await onA.responses.create({ model: 'deepseek-reasoner', input: 'Hello', background: true });
  await statusOnceInProgress(onA, queued.id);
  expect((await onA.responses.cancel(queued.id)).status).toBe('cancelled');
  const [row] = await b.ctx.store.all<{ response: string }>('SELECT response FROM stored_responses WHERE id = ?', [queued.id]);
  expect(JSON.parse(row!.response).status).toBe('cancelled');
}, 60_000);

test('deleted through another instance: the running one ends the call (one row, as a cancel); gone on both', async () => {
  const aborts = deepseek.aborts;
  const onA = a.openai();
  const onB = b.openai(a.clientKey);
  const { data: queued, response } = await onA.responses.create({ model: 'deepseek-reasoner', input: 'Hello', background: true }).withResponse();
  expect(await statusOnceInProgress(onB, queued.id)).toBe('in_progress');
  await onB.responses.delete(queued.id);
  await deepseek.waitForAbort(aborts + 1);
  expect(await a.waitForRow(response)).toMatchObject({ endpoint: 'responses', status: 499 });
  // The run's last save found nothing to write over.
  await a.ctx.responseStore.flush();
  for (const client of [onA, onB]) expect((await apiError(client.responses.retrieve(queued.id))).status).toBe(404);
  const rows = await a.ctx.store.all<{ n: number | string }>('SELECT COUNT(*) AS n FROM stored_responses WHERE id = ?', [queued.id]);
  expect(Number(rows[0]!.n)).toBe(0);
}, 60_000);
