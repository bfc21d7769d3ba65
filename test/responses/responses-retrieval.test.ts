import { afterAll, describe, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { fixtureText, jsonResponse, rawJsonResponse, sseEventsResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { schemaErrors } from './openai-schema';

const OPENAI_RAW = fixtureText('responses', 'openai-response.json');
const OPENAI_ID = JSON.parse(OPENAI_RAW).id as string;
const STREAM_LINES = fixtureText('responses', 'openai-response-stream.chunks.txt').trim().split('\n');
const STREAM_ID = JSON.parse(STREAM_LINES[0]!).response.id as string;
/** OpenAI's own input item list for its response, as GET /v1/responses/{id}/input_items answers. */
const OPENAI_ITEMS = {
  object: 'list',
  data: [{ id: 'msg_68a1c0f2e4d88190aa', type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'Hi' }] }],
  first_id: 'msg_68a1c0f2e4d88190aa',
  last_id: 'msg_68a1c0f2e4d88190aa',
  has_more: false,
};

const openai = startFakeUpstream((req, rec) => {
  if (rec.method === 'POST' && rec.path === '/v1/responses') {
    // One OpenAI does not keep gets an id of its own (the fixture's is a stored one's).
    if (rec.body.store === false) return jsonResponse({ ...JSON.parse(OPENAI_RAW), id: `resp_unstored_${rec.body.input}`, store: false });
    return rec.body.stream ? sseEventsResponse(STREAM_LINES.map((data) => ({ event: JSON.parse(data).type, data }))) : rawJsonResponse(OPENAI_RAW);
  }
  const m = /^\/v1\/responses\/([^/]+)(\/input_items)?$/.exec(rec.path);
  if (m && m[1] === OPENAI_ID) {
    if (rec.method === 'GET' && m[2]) return jsonResponse(OPENAI_ITEMS);
    if (rec.method === 'GET' && rec.search.includes('stream=true')) {
      // A background response's events after `starting_after`, as OpenAI resumes them.
      return sseEventsResponse(STREAM_LINES.slice(2).map((data) => ({ event: JSON.parse(data).type, data })));
    }
    if (rec.method === 'GET') return rawJsonResponse(OPENAI_RAW);
    if (rec.method === 'DELETE') return jsonResponse({ id: OPENAI_ID, object: 'response', deleted: true });
  }
  return jsonResponse({ error: { message: `No response found with id '${m?.[1]}'.`, type: 'invalid_request_error', param: null, code: null } }, 404);
});
let gw: TestGateway;
let client: OpenAI;
let other: OpenAI;

useGateway(
  (g) => {
    gw = g;
    client = g.openai();
    other = g.openai(g.addClient('someone else').key);
  },
  { env: { ...providerEnv('openai', `${openai.url}/v1`), LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } },
);
afterAll(() => openai.close());

const INPUT = [
  { role: 'user' as const, content: 'first question' },
  { role: 'assistant' as const, content: 'first answer' },
  { role: 'user' as const, content: [{ type: 'input_text' as const, text: 'second question' }] },
  { type: 'message' as const, role: 'developer' as const, content: 'be terse' },
  { role: 'user' as const, content: 'third question' },
];

async function listAll(id: string, query: string) {
  const res = await gw.fetch(`/v1/responses/${id}/input_items${query}`);
  expect(res.status).toBe(200);
  const body = await res.json();
  expect(schemaErrors('ResponseItemList', body)).toEqual([]);
  return body;
}

describe('stored responses, bridged (mock provider)', () => {
  test('retrieve answers the response as created; input_items lists the input (not the instructions), paginated', async () => {
    const created = await client.responses.create({ model: 'mock/echo', instructions: 'You are terse.', input: INPUT });
    const got = await client.responses.retrieve(created.id);
    expect(schemaErrors('Response', got)).toEqual([]);
    expect(got).toEqual(created);

    const all: any[] = [];
    for await (const item of client.responses.inputItems.list(created.id, { limit: 2, order: 'asc' })) all.push(item);
    expect(all.map((i) => [i.type, i.role])).toEqual([['message', 'user'], ['message', 'assistant'], ['message', 'user'], ['message', 'developer'], ['message', 'user']]);
    expect(new Set(all.map((i) => i.id)).size).toBe(5);
    expect(all[0].content).toEqual([{ type: 'input_text', text: 'first question' }]);
    expect(all[1].content[0]).toMatchObject({ type: 'output_text', text: 'first answer' });
    expect(JSON.stringify(all)).not.toContain('You are terse.');

    const page1 = await listAll(created.id, '?limit=2');
    expect(page1.data.map((i: any) => i.id)).toEqual([all[4].id, all[3].id]); // desc by default
    expect(page1).toMatchObject({ object: 'list', first_id: all[4].id, last_id: all[3].id, has_more: true });
    const page3 = await listAll(created.id, `?limit=2&after=${all[1].id}`);
    expect(page3.data.map((i: any) => i.id)).toEqual([all[0].id]);
    expect(page3.has_more).toBe(false);
    const asc = await listAll(created.id, `?order=asc&after=${all[2].id}`);
    expect(asc.data.map((i: any) => i.id)).toEqual([all[3].id, all[4].id]);
  });

  test('a string input is one user message; a streamed response is retrievable once it ended', async () => {
    const stream = await client.responses.create({ model: 'mock/echo', input: 'hello there', stream: true });
    let completed: any;
    for await (const e of stream) if (e.type === 'response.completed') completed = e.response;
    // The SDK adds output_text and _request_id to what it returns; the stream event is the raw object.
    const { output_text: _t, _request_id: _r, ...got } = (await client.responses.retrieve(completed.id)) as any;
    expect(schemaErrors('Response', got)).toEqual([]);
    expect(got).toEqual(completed);
    const items = await listAll(completed.id, '');
    expect(items.data).toHaveLength(1);
    expect(items.data[0]).toMatchObject({ type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'hello there' }] });
  });

  test('before pages back: the items just before it, in the asked order; after and before bound a window', async () => {
    const created = await client.responses.create({ model: 'mock/echo', input: INPUT });
    const asc = (await listAll(created.id, '?order=asc')).data.map((i: any) => i.id);
    expect(asc).toHaveLength(5);
    const back = await listAll(created.id, `?order=asc&limit=2&before=${asc[4]}`);
    expect(back.data.map((i: any) => i.id)).toEqual([asc[2], asc[3]]);
    expect(back).toMatchObject({ first_id: asc[2], last_id: asc[3], has_more: true });
    const first = await listAll(created.id, `?order=asc&limit=2&before=${asc[2]}`);
    expect(first.data.map((i: any) => i.id)).toEqual([asc[0], asc[1]]);
    expect(first.has_more).toBe(false);
    const desc = await listAll(created.id, `?limit=10&before=${asc[1]}`); // desc: 4 3 2 [1] 0
    expect(desc.data.map((i: any) => i.id)).toEqual([asc[4], asc[3], asc[2]]);
    const window = await listAll(created.id, `?order=asc&limit=1&after=${asc[0]}&before=${asc[3]}`);
    expect(window.data.map((i: any) => i.id)).toEqual([asc[1]]);
    expect(window.has_more).toBe(true);
    const res = await gw.fetch(`/v1/responses/${created.id}/input_items?before=msg_unknown`);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ param: 'before' });
  });

  test("input items sent with the same id are listed under distinct ids: the SDK's auto-pagination (after the last id) ends", async () => {
    const twice = { type: 'message' as const, id: 'msg_same', role: 'user' as const, content: [{ type: 'input_text' as const, text: 'again' }] };
    const created = await client.responses.create({ model: 'mock/echo', input: [twice, twice, twice] });
    const ids: string[] = [];
    for await (const item of client.responses.inputItems.list(created.id, { limit: 1, order: 'asc' })) {
      ids.push(item.id!);
      if (ids.length > 3) break; // the same page again: it would never end
    }
    expect(ids).toHaveLength(3);
    expect(ids[0]).toBe('msg_same');
    expect(new Set(ids).size).toBe(3);
  });

  test('stream=true on a bridged response is a 400 naming stream (it was never background), not JSON the SDK reads as no events', async () => {
    const created = await client.responses.create({ model: 'mock/echo', input: 'stream me back' });
    const err = await apiError(client.responses.retrieve(created.id, { stream: true }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', param: 'stream' });
    expect(schemaErrors('ErrorResponse', { error: err.error })).toEqual([]);
    // Another key still gets 404, and without stream it is the response.
    expect((await apiError(other.responses.retrieve(created.id, { stream: true }))).status).toBe(404);
    expect((await client.responses.retrieve(created.id, { stream: false })).id).toBe(created.id);
  });

  test("another client's id is 404 on every read; the owner still sees it", async () => {
    const created = await client.responses.create({ model: 'mock/echo', input: 'mine' });
    for (const call of [
      () => other.responses.retrieve(created.id),
      () => other.responses.delete(created.id),
      () => other.responses.inputItems.list(created.id),
    ]) {
      const err = await apiError(call());
      expect(err.status).toBe(404);
      expect(schemaErrors('ErrorResponse', err.error ? { error: err.error } : {})).toEqual([]);
    }
    expect((await client.responses.retrieve(created.id)).id).toBe(created.id);
  });

  test('delete answers {id, object, deleted}; afterwards every read is 404, a previous_response_id the 400 previous_response_not_found OpenAI answers', async () => {
    const created = await client.responses.create({ model: 'mock/echo', input: 'forget me' });
    const res = await gw.fetch(`/v1/responses/${created.id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: created.id, object: 'response', deleted: true });
    expect((await apiError(client.responses.retrieve(created.id))).status).toBe(404);
    expect((await apiError(client.responses.inputItems.list(created.id))).status).toBe(404);
    expect((await apiError(client.responses.delete(created.id))).status).toBe(404);
    const follow = await apiError(client.responses.create({ model: 'mock/echo', input: 'again', previous_response_id: created.id }));
    expect([follow.status, follow.code]).toEqual([400, 'previous_response_not_found']);
  });

  test('store: false leaves nothing to retrieve; unknown ids and bad list parameters are refused', async () => {
    const created = await client.responses.create({ model: 'mock/echo', input: 'ephemeral', store: false });
    expect((await apiError(client.responses.retrieve(created.id))).status).toBe(404);
    expect((await apiError(client.responses.retrieve('resp_nope'))).status).toBe(404);
    const kept = await client.responses.create({ model: 'mock/echo', input: 'kept' });
    // `limit` in plain decimal digits only: Number() would read `1e1` as 10, `0x10` as 16, ` 5` and `` as 5 and 0.
    const limits = ['0', '101', 'abc', '1e1', '0x10', '%205', '', '-1', '1.5', '99999999999999999999'].map((v) => [`?limit=${v}`, 'limit']);
    for (const [q, param] of [...limits, ['?order=sideways', 'order'], ['?after=msg_unknown', 'after']]) {
      const res = await gw.fetch(`/v1/responses/${kept.id}/input_items${q}`);
      expect([q, res.status]).toEqual([q, 400]);
      const body = await res.json();
      expect(schemaErrors('ErrorResponse', body)).toEqual([]);
      expect(body.error.param).toBe(param);
    }
    expect((await gw.fetch(`/v1/responses/${kept.id}`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });

  test('reads are free and leave no log row', async () => {
    const created = await client.responses.create({ model: 'mock/echo', input: 'count me once' });
    await gw.waitForEndpointLogs('responses', 1);
    const before = gw.logs.length;
    await client.responses.retrieve(created.id);
    await client.responses.inputItems.list(created.id);
    await apiError(other.responses.retrieve(created.id));
    await client.responses.delete(created.id);
    await Bun.sleep(50);
    expect(gw.logs.length).toBe(before);
  });
});

describe('the query of the stored-response reads, read as OpenAI reads it', () => {
  test("include on retrieve and input_items: OpenAI's values are taken, another is OpenAI's 400 naming it", async () => {
    const created = await client.responses.create({ model: 'mock/echo', input: 'keep me' });
    const got = await client.responses.retrieve(created.id, { include: ['reasoning.encrypted_content', 'message.output_text.logprobs'] });
    expect(got.id).toBe(created.id);
    const items = await client.responses.inputItems.list(created.id, { include: ['message.input_image.image_url'] });
    expect(items.data).toHaveLength(1);

    for (const read of [
      () => client.responses.retrieve(created.id, { include: ['reasoning.encrypted_content', 'reasoning.encrypted_contents' as any] }),
      () => client.responses.inputItems.list(created.id, { include: ['reasoning.encrypted_content', 'reasoning.encrypted_contents' as any] }),
    ]) {
      const err = await apiError(read());
      expect(err.status).toBe(400);
      expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_value', param: 'include[1]' });
      expect((err.error as any).message).toContain("'reasoning.encrypted_contents'");
      expect(schemaErrors('ErrorResponse', { error: err.error })).toEqual([]);
    }
    // Spelled without brackets (curl's repeated `include=`) it is read the same.
    const plain = await gw.fetch(`/v1/responses/${created.id}?include=message.output_text.logprobs&include=nope`);
    expect(plain.status).toBe(400);
    expect((await plain.json()).error.param).toBe('include[1]');
    // Another key's read is the 404 it always gets: the response's existence is not told by a 400.
    expect((await apiError(other.responses.retrieve(created.id, { include: ['nope' as any] }))).status).toBe(404);
    expect((await apiError(other.responses.inputItems.list(created.id, { include: ['nope' as any] }))).status).toBe(404);
  });

  test('starting_after is a sequence number in plain decimal digits', async () => {
    const bg = await client.responses.create({ model: 'mock/echo', input: 'in the background', background: true });
    for (const q of ['1e1', '0x2', ' 2', '-1', '2.0', '+2']) {
      const res = await gw.fetch(`/v1/responses/${bg.id}?stream=true&starting_after=${encodeURIComponent(q)}`);
      expect([q, res.status]).toEqual([q, 400]);
      expect((await res.json()).error.param).toBe('starting_after');
    }
    const res = await gw.fetch(`/v1/responses/${bg.id}?stream=true&starting_after=0`);
    expect(res.status).toBe(200);
    const first = /^data: (.+)$/m.exec(await res.text())![1]!;
    expect(JSON.parse(first).sequence_number).toBe(1);
  });
});

describe("stored responses, OpenAI's own (forwarded)", () => {
  test('retrieve, input_items and delete go to OpenAI with the gateway key; then 404 without asking OpenAI', async () => {
    const created = await client.responses.create({ model: 'gpt-5-mini', input: 'Hi' });
    expect(created.id).toBe(OPENAI_ID);

    const got = await gw.fetch(`/v1/responses/${OPENAI_ID}?include[]=reasoning.encrypted_content`);
    expect(await got.text()).toBe(OPENAI_RAW);
    const sent = openai.requests.at(-1)!;
    expect([sent.method, sent.path, sent.search]).toEqual(['GET', `/v1/responses/${OPENAI_ID}`, '?include[]=reasoning.encrypted_content']);
    expect(sent.headers.authorization).toBe('Bearer sk-test-openai-key-0123456789');

    const items = await listAll(OPENAI_ID, '?limit=2&order=asc');
    expect(items).toEqual(OPENAI_ITEMS);
    expect(openai.requests.at(-1)!.search).toBe('?limit=2&order=asc');

    const n = openai.requests.length;
    expect((await apiError(other.responses.retrieve(OPENAI_ID))).status).toBe(404);
    expect(openai.requests.length).toBe(n);

    const del = await client.responses.delete(OPENAI_ID).asResponse();
    expect(await del.json()).toEqual({ id: OPENAI_ID, object: 'response', deleted: true });
    expect(openai.requests.at(-1)!.method).toBe('DELETE');
    expect((await apiError(client.responses.retrieve(OPENAI_ID))).status).toBe(404);
    expect(openai.requests.length).toBe(n + 1);
  });

  test("stream=true with starting_after resumes OpenAI's own stream: forwarded, its events relayed", async () => {
    await client.responses.create({ model: 'gpt-5-mini', input: 'Hi' });
    const events: any[] = [];
    for await (const e of await client.responses.retrieve(OPENAI_ID, { stream: true, starting_after: 1 })) events.push(e);
    expect(openai.requests.at(-1)!.search).toBe('?stream=true&starting_after=1');
    expect(events.map((e) => e.sequence_number)).toEqual(STREAM_LINES.slice(2).map((l) => JSON.parse(l).sequence_number));
    expect(events.at(-1)!.type).toBe('response.completed');
  });

  test("a streamed pass-through's id is recorded from its events", async () => {
    const stream = await client.responses.create({ model: 'gpt-4o-mini', input: 'Hello', stream: true });
    for await (const _ of stream) void _;
    const res = await gw.fetch(`/v1/responses/${STREAM_ID}`);
    expect(res.status).toBe(404); // the fake knows only OPENAI_ID: the gateway forwarded, OpenAI answered 404
    expect(openai.requests.at(-1)!.path).toBe(`/v1/responses/${STREAM_ID}`);
    expect((await apiError(other.responses.retrieve(STREAM_ID))).status).toBe(404);
    expect(openai.requests.at(-1)!.path).toBe(`/v1/responses/${STREAM_ID}`);
  });
});

describe('previous_response_id of another client', () => {
  test("an OpenAI response made through the gateway cannot be continued by another key (OpenAI would: the gateway's key is one project); OpenAI's 400 for an id it does not hold, nothing sent", async () => {
    const created = await client.responses.create({ model: 'gpt-5-mini', input: 'my secret is heron' });
    const n = openai.requests.length;
    const err = await apiError(other.responses.create({ model: 'gpt-5-mini', previous_response_id: created.id, input: 'what is my secret?' }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ code: 'previous_response_not_found', param: 'previous_response_id', type: 'invalid_request_error' });
    const streamed = await apiError(other.responses.create({ model: 'gpt-5-mini', previous_response_id: created.id, input: 'what is my secret?', stream: true }));
    expect(streamed.status).toBe(400);
    expect(openai.requests.length).toBe(n);
    expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'responses', status: 400 });
    // The owner continues it at OpenAI as before.
    await client.responses.create({ model: 'gpt-5-mini', previous_response_id: created.id, input: 'and now?' });
    expect(openai.requests.at(-1)!.body.previous_response_id).toBe(created.id);
  });

  // OpenAI continues any response of the gateway's project for whoever sends its id: one the gateway does not hold for the key is not sent.
  test('an id the gateway never saw, or one made with store: false, is 400 previous_response_not_found with nothing sent to OpenAI', async () => {
    const unstored = await client.responses.create({ model: 'gpt-5-mini', input: 'heron', store: false });
    const sent = openai.requests.length;
    for (const [who, prev] of [[client, 'resp_made_outside_the_gateway'], [client, unstored.id], [other, unstored.id]] as const) {
      for (const stream of [false, true]) {
        const err = await apiError(who.responses.create({ model: 'gpt-5-mini', previous_response_id: prev, input: 'what is my secret?', stream }));
        expect(err.status).toBe(400);
        expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'previous_response_not_found', param: 'previous_response_id' });
        expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'responses', status: 400 });
      }
    }
    expect(openai.requests.length).toBe(sent);
  });
});

describe('item_reference to another client key', () => {
  test("an OpenAI response's output items (non-stream and streamed) cannot be referred to by another key: 404 item_not_found, nothing sent", async () => {
    const created = await client.responses.create({ model: 'gpt-5-mini', input: 'my secret is heron' });
    const stream = await client.responses.create({ model: 'gpt-4o-mini', input: 'Hello', stream: true });
    let done: any;
    for await (const e of stream) if (e.type === 'response.completed') done = e.response;
    const ids = [...created.output.map((o: any) => o.id), done.output[0].id];
    expect(ids).toHaveLength(3);
    const n = openai.requests.length;
    for (const id of ids) {
      const input = [{ role: 'user' as const, content: 'repeat it' }, { type: 'item_reference' as const, id }];
      const err = await apiError(other.responses.create({ model: 'gpt-5-mini', input }));
      expect(err.status).toBe(404);
      expect(err.error).toMatchObject({ code: 'item_not_found', param: 'input[1].id', type: 'invalid_request_error' });
      expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'responses', status: 404 });
    }
    expect(openai.requests.length).toBe(n);
    // The owner's reference goes to OpenAI as sent; an item id's read is OpenAI's answer (no response has that id).
    await client.responses.create({ model: 'gpt-5-mini', input: [{ type: 'item_reference', id: ids[1]! }] });
    expect(openai.requests.at(-1)!.body.input).toEqual([{ type: 'item_reference', id: ids[1] }]);
    expect((await apiError(client.responses.retrieve(ids[1]!))).status).toBe(404);
  });

  test("a bridged response's items are refused to another key whatever model it names", async () => {
    const created = await client.responses.create({ model: 'mock/echo', input: 'my secret is heron' });
    const n = openai.requests.length;
    for (const model of ['mock/echo', 'gpt-5-mini']) {
      const err = await apiError(other.responses.create({ model, input: [{ type: 'item_reference', id: created.output[0]!.id! }] }));
      expect(err.status).toBe(404);
      expect(err.error).toMatchObject({ code: 'item_not_found', param: 'input[0].id' });
    }
    expect(openai.requests.length).toBe(n);
  });
});
