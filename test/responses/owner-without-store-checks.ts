/**
 * What `LLM_PROXY__RESPONSES__STORE=false` must still hold, run on SQLite
 * (owner-without-store.test.ts) and PostgreSQL (test/postgres/owner-without-store-pg.test.ts):
 * the gateway keeps no conversation, but it keeps which client key made each OpenAI response, so
 * another key cannot continue it, refer to its items, read, list or delete it (nothing reaches
 * OpenAI), while the key that made it still can.
 */
import { expect } from 'bun:test';
import { fixtureText, jsonResponse, rawJsonResponse, sseEventsResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, type TestGateway } from '../helpers/start-gateway';

const OPENAI_RAW = fixtureText('responses', 'openai-response.json');
const STREAM_LINES = fixtureText('responses', 'openai-response-stream.chunks.txt').trim().split('\n');
const MSG_ID = (JSON.parse(OPENAI_RAW).output as { id: string; type: string }[]).find((o) => o.type === 'message')!.id;

/** A fake OpenAI holding every response it answered, for anyone with the gateway's key (one project). */
export function startHoldingOpenAI() {
  return startFakeUpstream((_req, rec) => {
    if (rec.method === 'POST' && rec.path === '/v1/responses') {
      return rec.body.stream ? sseEventsResponse(STREAM_LINES.map((data) => ({ event: JSON.parse(data).type, data }))) : rawJsonResponse(OPENAI_RAW);
    }
    const id = rec.path.match(/^\/v1\/responses\/([^/]+)/)?.[1];
    if (rec.method === 'DELETE' && id) return jsonResponse({ id, object: 'response', deleted: true });
    if (rec.path.endsWith('/input_items')) return jsonResponse({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
    if (id) return rawJsonResponse(OPENAI_RAW);
    return jsonResponse({ error: { message: 'Not found.', type: 'invalid_request_error', param: null, code: null } }, 404);
  });
}

export const storeOffEnv = (openaiUrl: string) => ({ ...providerEnv('openai', `${openaiUrl}/v1`), LLM_PROXY__RESPONSES__STORE: 'false' });

/** Another key (`otherKey`) gets none of `gw`'s first key's OpenAI responses, whole or streamed (nor cancels them); the maker keeps them. */
export async function checkOwnerKept(gw: TestGateway, openai: ReturnType<typeof startHoldingOpenAI>, otherKey: string): Promise<void> {
  const other = gw.openai(otherKey);
  const refused = async (id: string) => {
    const n = openai.requests.length;
    const follow = await apiError(other.responses.create({ model: 'gpt-5-mini', previous_response_id: id, input: 'what is my secret?' }));
    expect([follow.status, follow.code, follow.param]).toEqual([400, 'previous_response_not_found', 'previous_response_id']);
    const item = await apiError(other.responses.create({ model: 'gpt-5-mini', input: [{ type: 'item_reference', id: MSG_ID }, { role: 'user', content: 'go on' }] }));
    expect([item.status, item.code, item.param]).toEqual([404, 'item_not_found', 'input[0].id']);
    expect((await apiError(other.responses.retrieve(id))).status).toBe(404);
    expect((await apiError(other.responses.inputItems.list(id))).status).toBe(404);
    expect((await apiError(other.responses.delete(id))).status).toBe(404);
    expect((await apiError(other.responses.cancel(id))).status).toBe(404);
    expect(openai.requests.length).toBe(n);
    // Each refusal left its one row, the other key's.
    expect(await gw.waitForRow(follow)).toMatchObject({ endpoint: 'responses', status: 400, errorType: 'previous_response_not_found' });
  };
  const created = await gw.openai().responses.create({ model: 'gpt-5-mini', input: 'my secret is heron' });
  await refused(created.id);
  const stream = await gw.openai().responses.create({ model: 'gpt-5-mini', input: 'my secret is heron', stream: true });
  let streamedId = '';
  for await (const e of stream) if (e.type === 'response.completed') streamedId = e.response.id;
  await refused(streamedId);
  // The key that made it continues and reads it at OpenAI.
  await gw.openai().responses.create({ model: 'gpt-5-mini', previous_response_id: created.id, input: 'go on' });
  expect(openai.last().body.previous_response_id).toBe(created.id);
  expect((await gw.openai().responses.retrieve(created.id)).id).toBe(created.id);
  expect([openai.last().method, openai.last().path]).toEqual(['GET', `/v1/responses/${created.id}`]);
}
