/**
 * DELETE /v1/responses/{id} while the bridged response still streams: the delete wins. The
 * stream's last save (completed, failed or cancelled) used to write the response back, so a
 * deleted response reappeared. On SQLite (one instance) and PostgreSQL (the delete through
 * another instance than the one streaming).
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { readChunks, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

const CHUNKS = readChunks('deepseek', 'text.chunks.txt');
let held: Promise<void> = Promise.resolve();
const deepseek = startFakeUpstream(() => sseResponse([...CHUNKS, '[DONE]'], { holdAt: { at: 3, until: held } }));
afterAll(() => deepseek.close());

const env = (extra: Record<string, string> = {}) => providerEnv('deepseek', deepseek.url, extra);

async function storedRows(gw: TestGateway, id: string): Promise<number> {
  const rows = await gw.ctx.store.all<{ n: number | string }>('SELECT COUNT(*) AS n FROM stored_responses WHERE id = ?', [id]);
  return Number(rows[0]!.n);
}

/** Streams on `streaming`, deletes through `deleting` mid-stream, then lets the stream end. */
async function deleteMidStream(streaming: TestGateway, deleting: TestGateway) {
  let release!: () => void;
  held = new Promise<void>((r) => (release = r));
  const client = streaming.openai();
  const { data: stream, response } = await client.responses
    .create({ model: 'deepseek-chat', input: 'Hello', stream: true })
    .withResponse();
  const it = stream[Symbol.asyncIterator]();
  let id = '';
  for (let e = await it.next(); !e.done && !id; e = await it.next()) if (e.value.type === 'response.created') id = e.value.response.id;
  // Stored from its start (written a moment later): the other instance sees it once it is.
  const other = deleting.openai(streaming.clientKey);
  for (let i = 0; i < 200 && (await other.responses.retrieve(id).then(() => false, () => true)); i++) await Bun.sleep(10);
  expect((await other.responses.retrieve(id)).status).toBe('in_progress');
  await other.responses.delete(id);

  release();
  let completed = false;
  for (let e = await it.next(); !e.done; e = await it.next()) if (e.value.type === 'response.completed') completed = true;
  expect(completed).toBe(true);
  // The stream's last save is written (or found nothing to write over).
  await streaming.ctx.responseStore.flush();
  await deleting.ctx.responseStore.flush();

  for (const gw of new Set([streaming, deleting])) {
    expect((await apiError(gw.openai(streaming.clientKey).responses.retrieve(id))).status).toBe(404);
    expect(await storedRows(gw, id)).toBe(0);
  }
  // A follow-up to it finds nothing to continue.
  const follow = await apiError(client.responses.create({ model: 'deepseek-chat', input: 'and?', previous_response_id: id }));
  expect([follow.status, follow.code]).toEqual([400, 'previous_response_not_found']);
  // The stream still left its one row.
  expect(await streaming.waitForRow(response)).toMatchObject({ endpoint: 'responses', status: 200 });
}

describe('SQLite', () => {
  let gw: TestGateway;
  afterAll(() => gw?.close());
  test('a response deleted while it streams stays deleted once the stream ends', async () => {
    gw = await startGateway({ env: env() });
    await deleteMidStream(gw, gw);
  });
});

describe('PostgreSQL', () => {
  let db: TestDatabase;
  let a: TestGateway;
  let b: TestGateway;
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });
  test('deleted through another instance while it streams on this one: stays deleted on both', async () => {
    db = await createTestDatabase();
    a = await startGateway({ env: env({ LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__INSTANCE_ID: 'del-a' }) });
    b = await startGateway({ env: env({ LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__INSTANCE_ID: 'del-b' }) });
    await deleteMidStream(a, b);
  }, 60_000);
  test('deleted on the instance that streams it', async () => {
    await deleteMidStream(a, a);
  }, 30_000);
});
