/**
 * OpenAI's stored responses with a key pool whose keys belong to different OpenAI projects: OpenAI
 * finds a response only with a key of the project that made it (404 to any other). The fake OpenAI
 * here behaves so; the gateway must read, list, cancel, delete and continue (`previous_response_id`)
 * each response with the pool key that made it, driven by the official openai client.
 */
import { afterAll, beforeAll, beforeEach, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { addProviderKey, deleteProviderKey } from '../../src/admin/provider-keys-service';
import { ProviderKeyPool } from '../../src/key-pool/key-pool';
import { BackgroundFollower } from '../../src/responses/background-follower';
import { jsonResponse, readChunks, sseEventsResponse, startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { fixtureWith } from '../sdk/openai-sdk-fakes';

setDefaultTimeout(30_000);

const ENV_KEY = 'sk-test-openai-key-0123456789'; // providerEnv's key: pool member `env`
const POOL_KEY = 'sk-pool-other-project-abcdWXYZ';
const bearer = (k: string) => `Bearer ${k}`;
const STREAM = readChunks('responses', 'openai-response-stream.chunks.txt');
const STREAM_ID: string = JSON.parse(STREAM[0]!).response.id;

/** The fake OpenAI's projects: each response id and the Authorization it was made with. */
const owners = new Map<string, { auth: string; background: boolean; cancelled: boolean }>();
let made = 0;
const notFound = (message: string, param: string | null = null, code: string | null = null) =>
  jsonResponse({ error: { message, type: 'invalid_request_error', param, code } }, 404);

function responseObject(id: string, prev: string | null, status = 'completed') {
  return fixtureWith('responses', 'openai-response.json', (j) => {
    j.id = id;
    j.previous_response_id = prev;
    j.status = status;
    if (status !== 'completed') {
      j.background = true;
      j.output = [];
      j.usage = null;
    }
  });
}

function fakeOpenAI(_req: Request, rec: RecordedRequest): Response {
  const auth = rec.headers.authorization ?? '';
  if (rec.method === 'POST' && rec.path === '/v1/responses') {
    const prev = rec.body.previous_response_id ?? null;
    if (prev && owners.get(prev)?.auth !== auth) {
      // OpenAI's answer to an id it does not hold for this key: a 400, not its 404 for reads.
      return jsonResponse({ error: { message: `Previous response with id '${prev}' not found.`, type: 'invalid_request_error', param: 'previous_response_id', code: 'previous_response_not_found' } }, 400);
    }
    const id = `resp_pool${String(++made).padStart(4, '0')}`;
    const background = rec.body.background === true;
    owners.set(id, { auth, background, cancelled: false });
    if (rec.body.stream) return sseEventsResponse(STREAM.map((c) => c.replaceAll(STREAM_ID, id)).map((data) => ({ event: JSON.parse(data).type, data })));
    return jsonResponse(responseObject(id, prev, background ? 'queued' : 'completed'));
  }
  const m = rec.path.match(/^\/v1\/responses\/([^/]+)(\/input_items|\/cancel)?$/);
  const owner = m && owners.get(m[1]!);
  if (!m || !owner || owner.auth !== auth) return notFound(`Response with id '${m?.[1]}' not found.`);
  const id = m[1]!;
  if (rec.method === 'DELETE') {
    owners.delete(id);
    return jsonResponse({ id, object: 'response', deleted: true });
  }
  if (m[2] === '/input_items') {
    const item = { id: `msg_in_${id}`, type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'hi' }] };
    return jsonResponse({ object: 'list', data: [item], first_id: item.id, last_id: item.id, has_more: false });
  }
  if (m[2] === '/cancel') {
    if (!owner.background) return jsonResponse({ error: { message: 'Cannot cancel a synchronous response.', type: 'invalid_request_error', param: null, code: null } }, 400);
    owner.cancelled = true;
  }
  return jsonResponse(responseObject(id, null, owner.background ? (owner.cancelled ? 'cancelled' : 'in_progress') : 'completed'));
}

let openai: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;
let poolKeyId: string;
/** The log row's provider_key_id of each Authorization the fake saw. */
const keyIdOf = (auth: string) => (auth === bearer(POOL_KEY) ? poolKeyId : auth === bearer(ENV_KEY) ? 'env' : `unknown ${auth}`);

beforeAll(async () => {
  openai = startFakeUpstream(fakeOpenAI);
  gw = await startGateway({
    env: providerEnv('openai', `${openai.url}/v1`),
    backgroundResponses: new BackgroundFollower({ firstPollMs: 5, maxPollMs: 20 }),
  });
  poolKeyId = (await addProviderKey(gw.ctx, 'openai', { key: POOL_KEY, weight: 3, label: 'project-b' })).id;
  client = gw.openai();
});
afterAll(async () => {
  await gw.close();
  openai.close();
});
beforeEach(() => {
  // A fresh pool per test: the weighted pick starts over (pool key, pool key, env, pool key, ...).
  gw.ctx.keyPool = new ProviderKeyPool();
});

/** Creates `n` responses (every other one streamed); each with the key OpenAI saw and its log row. */
async function createSome(n: number) {
  const out: { id: string; auth: string; row: Awaited<ReturnType<TestGateway['waitForRow']>> }[] = [];
  for (let i = 0; i < n; i++) {
    let id: string;
    let requestId: string;
    if (i % 2 === 1) {
      const { data: stream, response } = await client.responses.create({ model: 'gpt-5-mini', input: 'hi', stream: true }).withResponse();
      requestId = response.headers.get('x-request-id')!;
      let done: any;
      for await (const e of stream) if (e.type === 'response.completed') done = e.response;
      id = done.id;
    } else {
      const { data, request_id } = await client.responses.create({ model: 'gpt-5-mini', input: 'hi' }).withResponse();
      id = data.id;
      requestId = request_id!;
    }
    out.push({ id, auth: owners.get(id)!.auth, row: await gw.waitForRow(requestId) });
  }
  return out;
}
const readsOf = (id: string) => openai.requests.filter((r) => r.path.startsWith(`/v1/responses/${id}`));

test('retrieve, inputItems.list and delete go to OpenAI with the pool key that made each response', async () => {
  const made = await createSome(4);
  // The weights (env 1, pool 3) spread the four over both projects.
  expect(new Set(made.map((m) => m.auth))).toEqual(new Set([bearer(ENV_KEY), bearer(POOL_KEY)]));
  for (const { id, auth, row } of made) {
    expect(row).toMatchObject({ endpoint: 'responses', provider: 'openai', status: 200, providerKeyId: keyIdOf(auth) });
    expect((await client.responses.retrieve(id)).id).toBe(id);
    expect((await client.responses.inputItems.list(id)).data.map((i: any) => i.id)).toEqual([`msg_in_${id}`]);
    expect(await client.responses.delete(id)).toEqual({ id, object: 'response', deleted: true } as any);
    expect(readsOf(id).map((r) => [r.method, r.headers.authorization])).toEqual([['GET', auth], ['GET', auth], ['DELETE', auth]]);
    // Forgotten by the gateway too.
    expect((await apiError(client.responses.retrieve(id))).status).toBe(404);
  }
});

test('a follow-up (previous_response_id) tries the key that made the response first, whatever the weighted pick', async () => {
  const made = await createSome(4);
  // The weighted picks repeat every four (pool, pool, env, pool): taken in reverse order (pool,
  // env, pool, pool) the follow-ups' picks differ from their makers' keys in two of four.
  for (const { id, auth } of made.reverse()) {
    const { data, request_id } = await client.responses.create({ model: 'gpt-5-mini', previous_response_id: id, input: 'and then?' }).withResponse();
    expect(data.previous_response_id).toBe(id);
    const row = await gw.waitForRow(request_id!);
    expect(row).toMatchObject({ status: 200, providerKeyId: keyIdOf(auth) });
    // One try (a row lists attempts only when there were several): the right key at once, not a
    // 404 from another project's key first.
    expect(row.attempts).toBeNull();
    // The follow-up is itself read back with that key.
    expect(owners.get(data.id)!.auth).toBe(auth);
    expect((await client.responses.retrieve(data.id)).id).toBe(data.id);
    expect(readsOf(data.id).at(-1)!.headers.authorization).toBe(auth);
  }
});

test('cancel of a background response made with the pool key goes with that key', async () => {
  // The first weighted pick of a fresh pool is the heavier key: the pool key.
  const { data: created, request_id } = await client.responses.create({ model: 'gpt-5-mini', input: 'a long essay', background: true }).withResponse();
  expect(owners.get(created.id)!.auth).toBe(bearer(POOL_KEY));
  expect(await client.responses.cancel(created.id)).toMatchObject({ id: created.id, status: 'cancelled' });
  const cancel = openai.requests.find((r) => r.path === `/v1/responses/${created.id}/cancel`)!;
  expect(cancel.headers.authorization).toBe(bearer(POOL_KEY));
  // The background follower read it back with the same key until it ended; one row, the pool key's.
  expect(await gw.waitForRow(request_id!)).toMatchObject({ status: 200, providerKeyId: poolKeyId });
  expect(readsOf(created.id).every((r) => r.headers.authorization === bearer(POOL_KEY))).toBe(true);
});

test('a response whose key was removed from the pool is read with the provider\u2019s own key', async () => {
  const [made] = await createSome(1); // the pool key, the first pick of a fresh pool
  expect(made!.auth).toBe(bearer(POOL_KEY));
  await deleteProviderKey(gw.ctx, 'openai', poolKeyId);
  try {
    // OpenAI's answer to a key of another project, passed on as it came.
    const err = await apiError(client.responses.retrieve(made!.id));
    expect(err.status).toBe(404);
    expect(JSON.stringify(err.error)).not.toContain(POOL_KEY);
    expect(readsOf(made!.id).at(-1)!.headers.authorization).toBe(bearer(ENV_KEY));
  } finally {
    poolKeyId = (await addProviderKey(gw.ctx, 'openai', { key: POOL_KEY, weight: 3, label: 'project-b' })).id;
  }
});
