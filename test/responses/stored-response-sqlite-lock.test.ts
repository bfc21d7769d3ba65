/**
 * The stored-response reads while another connection holds SQLite's write lock (a backup, a
 * migration, a second process on the file) past busy_timeout: DELETE /v1/responses/{id} is a 503
 * `store_busy` in OpenAI's shape with retry-after, not a 500, and forgets nothing, so the response
 * is still there to read and to delete once the lock is gone. GET, input_items and cancel go on
 * answering (WAL: readers are not blocked; cancel's write waits for its retry). The reads leave no
 * log row (README: not logged as requests); the create left exactly one.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { Database } from 'bun:sqlite';
import { fixtureText, jsonResponse, rawJsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

const OPENAI_RAW = fixtureText('responses', 'openai-response.json');
const OPENAI_ID = JSON.parse(OPENAI_RAW).id as string;
/** OpenAI: makes OPENAI_ID, deletes it once, then no longer has it. */
let openaiHas = false;
const openai = startFakeUpstream((_req, rec) => {
  if (rec.method === 'POST' && rec.path === '/v1/responses') {
    openaiHas = true;
    return rawJsonResponse(OPENAI_RAW);
  }
  if (rec.method === 'DELETE' && rec.path === `/v1/responses/${OPENAI_ID}` && openaiHas) {
    openaiHas = false;
    return jsonResponse({ id: OPENAI_ID, object: 'response', deleted: true });
  }
  return jsonResponse({ error: { message: `No response found with id '${OPENAI_ID}'.`, type: 'invalid_request_error', param: null, code: null } }, 404);
});

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ env: { ...providerEnv('openai', `${openai.url}/v1`), LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });
  // The gateway's connection waits 5 s for a lock (on the event loop): a few ms here, the rest is the same.
  gw.ctx.sqlite.exec('PRAGMA busy_timeout = 20');
});
afterAll(async () => {
  await gw?.close();
  openai.close();
});

/** A second connection to the gateway's file holding the write lock until `release()`. */
function holdWriteLock(): { release(): void } {
  const other = new Database(gw.ctx.config.database.path);
  other.exec('PRAGMA busy_timeout = 2000');
  other.exec('BEGIN EXCLUSIVE');
  other.run(`UPDATE stored_responses SET created_at = created_at WHERE 0`);
  return {
    release() {
      other.exec('COMMIT');
      other.close();
    },
  };
}

async function created(input: string, model = 'mock/echo'): Promise<string> {
  const { data, response } = await gw.openai().responses.create({ model, input }).withResponse();
  expect(response.status).toBe(200);
  const row = await gw.waitForRow(response);
  expect(row).toMatchObject({ endpoint: 'responses', status: 200 });
  // Written to the table (not only held in memory), so the reads below are the table's.
  for (let i = 0; gw.ctx.responseStore.pendingCount > 0; i++) {
    if (i > 500) throw new Error('the stored response was not written');
    await Bun.sleep(10);
  }
  expect(gw.ctx.sqlite.query('SELECT count(*) AS n FROM stored_responses WHERE id = ?').get(data.id)).toEqual({ n: 1 });
  return data.id;
}

test('DELETE under the lock: 503 store_busy in OpenAI shape with retry-after; nothing forgotten; deleted once the lock is gone', async () => {
  const id = await created('delete me under a lock');
  const rowsBefore = gw.logs.length;
  const lock = holdWriteLock();
  let res: Response;
  try {
    res = await gw.fetch(`/v1/responses/${id}`, { method: 'DELETE' });
    // The other reads answer meanwhile.
    const got = await gw.fetch(`/v1/responses/${id}`);
    expect(got.status).toBe(200);
    expect(((await got.json()) as any).id).toBe(id);
    const items = await gw.fetch(`/v1/responses/${id}/input_items`);
    expect(items.status).toBe(200);
    expect(((await items.json()) as any).data[0].content[0].text).toBe('delete me under a lock');
  } finally {
    lock.release();
  }
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('1');
  expect(res.headers.get('content-type')).toContain('application/json');
  const body = (await res.json()) as any;
  expect(body).toEqual({ error: { message: expect.any(String), type: 'api_error', param: null, code: 'store_busy' } });
  expect(body.error.message).not.toContain('SQLITE');

  // Still stored, in the table too (the refused delete took it out of nothing).
  expect(gw.ctx.sqlite.query('SELECT count(*) AS n FROM stored_responses WHERE id = ?').get(id)).toEqual({ n: 1 });
  expect((await gw.fetch(`/v1/responses/${id}`)).status).toBe(200);
  const again = await gw.fetch(`/v1/responses/${id}`, { method: 'DELETE' });
  expect(again.status).toBe(200);
  expect(await again.json()).toEqual({ id, object: 'response', deleted: true });
  expect((await gw.fetch(`/v1/responses/${id}`)).status).toBe(404);
  expect(gw.ctx.sqlite.query('SELECT count(*) AS n FROM stored_responses WHERE id = ?').get(id)).toEqual({ n: 0 });
  // The reads are not model requests: no row of their own.
  await Bun.sleep(50);
  expect(gw.logs.length).toBe(rowsBefore);
});

test('cancel of a finished response under the lock answers it as it is (OpenAI: a synchronous one is a 400), not a 500', async () => {
  const id = await created('cancel me under a lock');
  const lock = holdWriteLock();
  try {
    const res = await gw.fetch(`/v1/responses/${id}/cancel`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toBe('Cannot cancel a synchronous response.');
  } finally {
    lock.release();
  }
});

test("OpenAI's own response, deleted there while the gateway's record cannot be: the answer is OpenAI's deleted, not a 503 whose retry is a 404", async () => {
  const id = await created('Hi', 'gpt-5-mini');
  expect(id).toBe(OPENAI_ID);
  const lock = holdWriteLock();
  let res: Response;
  try {
    res = await gw.fetch(`/v1/responses/${id}`, { method: 'DELETE' });
  } finally {
    lock.release();
  }
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ id, object: 'response', deleted: true });
  expect(openaiHas).toBe(false);
  // The record left behind points to nothing: OpenAI's 404, and the next delete removes it.
  const again = await gw.fetch(`/v1/responses/${id}`, { method: 'DELETE' });
  expect(again.status).toBe(404);
  expect(gw.ctx.sqlite.query('SELECT count(*) AS n FROM stored_responses WHERE id = ?').get(id)).toEqual({ n: 0 });
});
