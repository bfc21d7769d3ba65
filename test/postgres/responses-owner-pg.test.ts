/**
 * OpenAI's own responses through two instances on PostgreSQL: the record of which client key made
 * a response is in the shared table before the answer reaches the client, so another key's
 * follow-up sent to the other instance at once is refused there (404, nothing sent to OpenAI),
 * as on the instance that made it.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { api, json, login, ADMIN_PASSWORD } from '../helpers/admin-harness';
import { fixtureText, jsonResponse, rawJsonResponse, sseEventsResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

const OPENAI_RAW = fixtureText('responses', 'openai-response.json');
const STREAM_LINES = fixtureText('responses', 'openai-response-stream.chunks.txt').trim().split('\n');

const openai = startFakeUpstream((_req, rec) => {
  if (rec.method === 'POST' && rec.path === '/v1/responses') {
    return rec.body.stream ? sseEventsResponse(STREAM_LINES.map((data) => ({ event: JSON.parse(data).type, data }))) : rawJsonResponse(OPENAI_RAW);
  }
  return jsonResponse({ error: { message: 'No such response.', type: 'invalid_request_error', param: null, code: null } }, 404);
});
let db: TestDatabase;
let a: TestGateway;
let b: TestGateway;
beforeAll(async () => {
  db = await createTestDatabase();
  const env = (id: string) => ({ ...providerEnv('openai', `${openai.url}/v1`), LLM_PROXY__DATABASE__URL: db.url, LLM_PROXY__INSTANCE_ID: id });
  a = await startGateway({ env: env('owner-a') });
  b = await startGateway({ env: env('owner-b') });
}, 60_000);
afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.drop();
  openai.close();
});

test("another key's follow-up sent to B the moment A answered (whole or streamed) is refused: 400 previous_response_not_found (OpenAI's status), nothing sent to OpenAI", async () => {
  const admin = await login(b, 'admin', ADMIN_PASSWORD);
  const other = (await json(await api(b, 'POST', '/api/clients', { as: admin, body: { name: 'someone else' } }))).key as string;
  const refusedOnB = async (id: string) => {
    const n = openai.requests.length;
    const err = await apiError(b.openai(other).responses.create({ model: 'gpt-5-mini', previous_response_id: id, input: 'what is my secret?' }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ code: 'previous_response_not_found', param: 'previous_response_id' });
    expect(openai.requests.length).toBe(n);
  };
  const created = await a.openai().responses.create({ model: 'gpt-5-mini', input: 'my secret is heron' });
  await refusedOnB(created.id);
  // The stream: acted on the moment its terminal event is read, as an agent loop does.
  const stream = await a.openai().responses.create({ model: 'gpt-5-mini', input: 'my secret is heron', stream: true });
  for await (const e of stream) {
    if (e.type !== 'response.completed') continue;
    await refusedOnB(e.response.id);
    break;
  }
});
