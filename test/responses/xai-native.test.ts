/**
 * xAI models on /v1/responses go to xAI's own Responses API (POST /v1/responses, GET|DELETE
 * /v1/responses/{id}), passed through as OpenAI's are: its server-side tools (web_search,
 * x_search, code_interpreter, file_search, mcp) reach it, and the answer comes back as xAI sent
 * it but for xAI's bare response id, which the client sees as `resp_<id>` (and xAI gets back bare). Real gateway, a fake xAI replaying xAI's Responses wire shapes (test/fixtures/grok/
 * responses-web-search.*: two web searches, its usage with cost_in_usd_ticks and
 * server_side_tool_usage_details), the official `openai` client; rows by x-request-id:
 * - cost_usd is xAI's figure, computed_cost_usd the price table's (tokens + each search call);
 * - a `previous_response_id` follow-up goes to xAI with the same key, only for the key that made it;
 *   retrieve and delete go to xAI; another key gets 404 without xAI hearing of it;
 * - a group falls back from xAI to another provider (through the bridge);
 * - a built-in tool xAI does not run, and xAI's tools on a bridged provider or OpenAI, are the 400 `unsupported_tool`;
 *   a group of OpenAI and xAI goes to the target that runs the request's tools;
 * - `background: true` (unsupported by xAI) on a Grok model is a 400 before any call; a group skips its Grok targets;
 * - a budgeted key reserves the tool calls a request may make (max_tool_calls, else DEFAULT_WEB_SEARCHES).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { modelGroups, models } from '../../src/db/schema';
import { XAI_TOOL_CALL_USD, XAI_USD_PER_TICK } from '../../src/usage/grok-usage';
import { fixtureJson, fixtureText, jsonResponse, rawJsonResponse, readChunks, sseEventsResponse, sseResponse, startFakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { DEFAULT_WEB_SEARCHES, SEARCH_CONTENT_TOKENS } from '../../src/limits/worst-case';
import { limitedClient } from '../limits/limits-helpers';
import { openaiSchemaErrors } from '../helpers/openai-schema';

setDefaultTimeout(30_000);

const ANSWER = fixtureText('grok', 'responses-web-search.json');
const EVENTS = fixtureText('grok', 'responses-web-search.events.txt').trim().split('\n');
const ID = JSON.parse(ANSWER).id as string;
const USAGE = JSON.parse(ANSWER).usage;

/** What the fake xAI answers to POST /v1/responses (the recorded answer unless set). */
let create: ((r: RecordedRequest) => Response) | null = null;
/** The ids xAI holds (a delete forgets one). */
const held = new Set<string>();
const xai = startFakeUpstream((_req, r) => {
  const stored = r.path.match(/^\/v1\/responses\/([^/]+)$/)?.[1];
  if (stored) {
    const id = decodeURIComponent(stored);
    if (!held.has(id)) return jsonResponse({ code: 'Client specified an invalid argument', error: `Response ${id} not found` }, 404);
    if (r.method === 'DELETE') {
      held.delete(id);
      return jsonResponse({ id, object: 'response', deleted: true });
    }
    return rawJsonResponse(ANSWER);
  }
  if (r.method !== 'POST' || r.path !== '/v1/responses') return jsonResponse({ error: `unexpected ${r.method} ${r.path}` }, 500);
  held.add(ID);
  if (create) return create(r);
  return r.body.stream ? sseEventsResponse(EVENTS.map((data) => ({ event: JSON.parse(data).type, data }))) : rawJsonResponse(ANSWER);
});
const deepseek = startFakeUpstream((_req, r) => (r.body?.stream ? sseResponse(readChunks('deepseek', 'text.chunks.txt')) : rawJsonResponse(fixtureText('deepseek', 'chat.json'))));
/** A fake OpenAI: its recorded answer, or its 400 for a tool type its Responses API does not have (as OpenAI answers `x_search`). */
const OPENAI_TOOL_TYPES = ['function', 'web_search', 'web_search_preview', 'file_search', 'code_interpreter', 'image_generation', 'mcp'];
const openai = startFakeUpstream((_req, r) => {
  const foreign = (r.body?.tools ?? []).findIndex((t: any) => !OPENAI_TOOL_TYPES.includes(t?.type));
  if (foreign >= 0) return jsonResponse({ error: { message: `Invalid value: '${r.body.tools[foreign].type}'.`, type: 'invalid_request_error', param: `tools[${foreign}].type`, code: 'invalid_value' } }, 400);
  return rawJsonResponse(fixtureText('responses', 'openai-response.json'));
});

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ env: { ...providerEnv('grok', `${xai.url}/v1`), ...providerEnv('deepseek', deepseek.url), ...providerEnv('openai', `${openai.url}/v1`) } });
  const now = Date.now();
  // grok-4-fast-non-reasoning's prices (xAI's pricing page: 0.20 in, 0.05 cached, 0.50 out).
  gw.ctx.db.insert(models).values([
    { id: 'grok-fast', provider: 'grok', upstreamId: 'grok-4-fast-non-reasoning', inputPrice: 0.2, cachedInputPrice: 0.05, outputPrice: 0.5, contextWindow: 2_000_000, updatedAt: now },
  ]).run();
  gw.ctx.db.insert(modelGroups).values([
    { name: 'xai-then-deepseek', strategy: 'heuristic', targets: ['grok-fast', 'deepseek-chat'], updatedAt: now },
    // No rules: OpenAI first whatever the request (the default rules move a request with tools to the second target).
    { name: 'openai-then-xai', strategy: 'heuristic', targets: ['gpt-5-mini', 'grok-fast'], settings: { rules: [] }, updatedAt: now },
    { name: 'xai-then-openai', strategy: 'heuristic', targets: ['grok-fast', 'gpt-5-mini'], settings: { rules: [] }, updatedAt: now },
  ]).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  xai.close();
  deepseek.close();
  openai.close();
});
beforeEach(() => {
  create = null;
  xai.requests.length = 0;
  deepseek.requests.length = 0;
  openai.requests.length = 0;
  gw.ctx.breakers.reset();
});

/** The price table's figure for the recorded usage: uncached, cached and output tokens, and two web searches. */
const COMPUTED = ((4144 - 1920) * 0.2 + 1920 * 0.05 + 49 * 0.5) / 1e6 + 2 * XAI_TOOL_CALL_USD.web_search!;
const REPORTED = USAGE.cost_in_usd_ticks * XAI_USD_PER_TICK;

/**
 * An answer checked against OpenAI's Response schema: no deviation beyond those OpenAI's own
 * recorded answer has (its null `safety_identifier` and `prompt_cache_key`, which the spec types as strings).
 */
const OPENAI_OWN = new Set(openaiSchemaErrors('Response', fixtureJson('responses', 'openai-response.json')));
const schemaErrors = (r: unknown) => openaiSchemaErrors('Response', r).filter((e) => !OPENAI_OWN.has(e));

function expectBilled(row: any) {
  expect(row.endpoint).toBe('responses');
  expect(row.provider).toBe('grok');
  expect([row.promptTokens, row.cachedTokens, row.completionTokens, row.reasoningTokens]).toEqual([4144, 1920, 49, 0]);
  expect(row.costUsd).toBe(REPORTED);
  expect(row.providerCostUsd).toBe(REPORTED);
  expect(row.computedCostUsd).toBeCloseTo(COMPUTED, 12);
  expect(row.computedCostUsd).not.toBeCloseTo(REPORTED, 6);
}

describe('passed through to xAI', () => {
  test("JSON with web_search: the body reaches xAI as sent (model made concrete), the answer comes back as xAI's, its id as OpenAI's (resp_)", async () => {
    const { data, response } = await gw.openai().responses
      .create({ model: 'grok-fast', input: 'What is the title of x.ai?', tools: [{ type: 'web_search' }, { type: 'x_search' } as any] })
      .withResponse();
    expect(xai.requests.length).toBe(1);
    const sent = xai.last();
    expect(sent.path).toBe('/v1/responses');
    expect(sent.body).toEqual({ model: 'grok-4-fast-non-reasoning', input: 'What is the title of x.ai?', tools: [{ type: 'web_search' }, { type: 'x_search' }] });
    expect(sent.headers.authorization).toStartWith('Bearer ');
    expect(data.id).toBe(`resp_${ID}`);
    expect(schemaErrors(JSON.parse(JSON.stringify(data)))).toEqual([]);
    expect(data.output.map((o) => o.type)).toEqual(['web_search_call', 'web_search_call', 'message']);
    expect(data.output_text).toBe('xAI builds Grok; its site is https://x.ai.');
    expect(response.headers.get('x-gophergate-provider')).toBe('grok');
    expectBilled(await gw.waitForRow(response));
    const raw = await gw.openai().responses.create({ model: 'grok-fast', input: 'Again', tools: [{ type: 'web_search' }] }).asResponse();
    expect(await raw.json()).toEqual({ ...JSON.parse(ANSWER), id: `resp_${ID}` });
  });

  test("streamed: xAI's events (the web_search_call ones included) come as sent; the row bills the terminal event's usage", async () => {
    const { data: stream, response } = await gw.openai().responses
      .create({ model: 'grok-fast', input: 'What is the title of x.ai?', tools: [{ type: 'web_search' }], stream: true })
      .withResponse();
    const types: string[] = [];
    let final: any = null;
    for await (const e of stream) {
      types.push(e.type);
      if (e.type === 'response.completed') final = e.response;
    }
    expect(types).toEqual(EVENTS.map((e) => JSON.parse(e).type));
    expect(types.filter((t) => t === 'response.web_search_call.searching').length).toBe(2);
    expect(final.usage.cost_in_usd_ticks).toBe(USAGE.cost_in_usd_ticks);
    expect(final.id).toBe(`resp_${ID}`);
    expect(schemaErrors(final)).toEqual([]);
    expect(final.output.map((o: any) => o.id)).toEqual(JSON.parse(ANSWER).output.map((o: any) => o.id));
    expect(xai.last().body.stream).toBe(true);
    const row = await gw.waitForRow(response);
    expect(row.stream).toBe(true);
    expectBilled(row);
  });
});

test("reasoning.effort goes only to the Grok models with an effort dial (xAI refuses it on the others); its summary always", async () => {
  await gw.openai().responses.create({ model: 'grok-fast', input: 'Hi', reasoning: { effort: 'high', summary: 'auto' } });
  expect(xai.last().body.reasoning).toEqual({ summary: 'auto' });
  await gw.openai().responses.create({ model: 'grok/grok-4.3', input: 'Hi', reasoning: { effort: 'high', summary: 'auto' } });
  expect([xai.last().body.model, xai.last().body.reasoning]).toEqual(['grok-4.3', { effort: 'high', summary: 'auto' }]);
});

test("xAI's stream in small pieces (events split across reads): the client gets every event whole, in order, the response's id renamed", async () => {
  const sse = EVENTS.map((data) => `event: ${JSON.parse(data).type}\ndata: ${data}\n\n`).join('');
  const bytes = new TextEncoder().encode(sse);
  create = () => {
    let at = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (at >= bytes.length) return controller.close();
        await Bun.sleep(1);
        controller.enqueue(bytes.slice(at, (at += 37)));
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  };
  const stream = await gw.openai().responses.create({ model: 'grok-fast', input: 'Hi', tools: [{ type: 'web_search' }], stream: true });
  const got: any[] = [];
  for await (const e of stream) got.push(e);
  const sent = EVENTS.map((e) => JSON.parse(e));
  expect(got.map((e) => e.sequence_number)).toEqual(sent.map((e) => e.sequence_number));
  // Every event as xAI sent it, but the id of the response the first two and the last carry.
  for (const e of sent) if (e.response) e.response.id = `resp_${ID}`;
  expect(got).toEqual(sent);
});

/** A body sent in the given pieces, one read each, then closed. */
function pieces(parts: string[]): Response {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (i >= parts.length) return c.close();
      await Bun.sleep(1);
      c.enqueue(new TextEncoder().encode(parts[i++]!));
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

/** Iterates an SDK stream: the events, and the error it ended with. */
async function drain(stream: AsyncIterable<any>): Promise<{ got: any[]; failure: Error | null }> {
  const got: any[] = [];
  try {
    for await (const e of stream) got.push(e);
  } catch (err) {
    return { got, failure: err as Error };
  }
  return { got, failure: null };
}

describe('hostile xAI answers', () => {
  const frames = EVENTS.map((data) => `event: ${JSON.parse(data).type}\ndata: ${data}\n\n`);

  test("cut in the middle of an event: the events before it, whole, then the gateway's error event (the half event is not relayed as one)", async () => {
    create = () => pieces([frames.slice(0, 4).join(''), frames[4]!.slice(0, 60)]);
    const { data: stream, response } = await gw.openai().responses.create({ model: 'grok-fast', input: 'Hi', stream: true }).withResponse();
    const { got, failure } = await drain(stream);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(failure!.message).toContain('ended the stream before its terminal event');
    expect(got.map((e) => e.sequence_number)).toEqual(EVENTS.slice(0, 4).map((e) => JSON.parse(e).sequence_number));
    expect(await gw.waitForRow(response)).toMatchObject({ provider: 'grok', stream: true, status: 502 });
  });

  test("an error in xAI's shape ({code, error: \"…\"}): sent with 200 as JSON, or as a stream's event, the client hears xAI's words", async () => {
    const words = 'The model grok-4-fast-non-reasoning is overloaded, try again later';
    create = () => jsonResponse({ code: 'Service unavailable', error: words });
    const json = await apiError(gw.openai().responses.create({ model: 'grok-fast', input: 'Hi' }));
    expect(json.status).toBe(502);
    expect(json.message).toContain(words);
    // A group goes on to its next target, as after any failed try.
    const { response } = await gw.openai().responses.create({ model: 'xai-then-deepseek', input: 'Hi' }).withResponse();
    expect(response.headers.get('x-gophergate-provider')).toBe('deepseek');

    // In a stream, after the first events: the relay's error event carries xAI's words, the row its failure.
    create = () => pieces([frames.slice(0, 3).join(''), `data: ${JSON.stringify({ code: 'Service unavailable', error: words })}\n\n`]);
    const { data: stream, response: streamed } = await gw.openai().responses.create({ model: 'grok-fast', input: 'Hi', stream: true }).withResponse();
    const { got, failure } = await drain(stream);
    expect(got.length).toBe(3);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(failure!.message).toContain(words);
    const row = await gw.waitForRow(streamed);
    expect(row.status).toBe(502);
    expect(row.error).toContain(words);

    // As the stream's first event (named `error`): the try fails, with xAI's words.
    create = () => pieces([`event: error\ndata: ${JSON.stringify({ code: 'Service unavailable', error: words })}\n\n`]);
    const first = await apiError(gw.openai().responses.create({ model: 'grok-fast', input: 'Hi', stream: true }));
    expect(first.message).toContain(words);
  });

  test('a response id that already starts with resp_, with characters a URL must escape: the client gets resp_<id>, xAI gets exactly its id back', async () => {
    const odd = 'resp_a/b c?d#é';
    held.add(odd);
    create = () => jsonResponse({ ...JSON.parse(ANSWER), id: odd });
    const made = await gw.openai().responses.create({ model: 'grok-fast', input: 'Hi' });
    expect(made.id).toBe(`resp_${odd}`);
    await gw.openai().responses.create({ model: 'grok-fast', input: 'Go on', previous_response_id: made.id });
    expect(xai.last().body.previous_response_id).toBe(odd);
    await gw.openai().responses.retrieve(made.id);
    expect([xai.last().method, decodeURIComponent(xai.last().path)]).toEqual(['GET', `/v1/responses/${odd}`]);
    held.delete(odd);
  });
});

describe("xAI's stored responses", () => {
  test('a previous_response_id follow-up goes to xAI with the key that made it; retrieve and delete too; another key sees none of it', async () => {
    const first = await gw.openai().responses.create({ model: 'grok-fast', input: 'What is the title of x.ai?', tools: [{ type: 'web_search' }] });
    const key = xai.last().headers.authorization;
    expect(first.id).toBe(`resp_${ID}`);

    // xAI gets its own id back.
    const { response } = await gw.openai().responses.create({ model: 'grok-fast', input: 'And of x.com?', previous_response_id: first.id }).withResponse();
    expect(xai.last().body.previous_response_id).toBe(ID);
    expect(xai.last().headers.authorization).toBe(key);
    expect((await gw.waitForRow(response)).provider).toBe('grok');

    // Another client key: refused before xAI hears of it, as for OpenAI's own responses.
    const other = gw.openai(gw.addClient('xai-other').key);
    const before = xai.requests.length;
    const refused = await apiError(other.responses.create({ model: 'grok-fast', input: 'Go on', previous_response_id: first.id }));
    expect([refused.status, refused.code]).toEqual([404, 'previous_response_not_found']);
    expect((await apiError(other.responses.retrieve(first.id))).status).toBe(404);
    expect((await apiError(other.responses.delete(first.id))).status).toBe(404);
    expect(xai.requests.length).toBe(before);

    // The key that made it reads it at xAI, with the same xAI key.
    const got = await gw.openai().responses.retrieve(first.id);
    expect([got.id, got.output_text]).toEqual([first.id, 'xAI builds Grok; its site is https://x.ai.']);
    expect([xai.last().method, xai.last().path, xai.last().headers.authorization]).toEqual(['GET', `/v1/responses/${ID}`, key]);
    // xAI has no input_items or cancel: a 400 that says so, without a call.
    const items = await apiError(gw.openai().responses.inputItems.list(first.id));
    expect(items.status).toBe(400);
    expect(items.message).toContain('xAI Grok');
    expect(xai.last().method).toBe('GET');

    const deleted = await gw.openai().responses.delete(first.id).asResponse();
    expect(await deleted.json()).toEqual({ id: first.id, object: 'response', deleted: true });
    expect([xai.last().method, xai.last().path]).toEqual(['DELETE', `/v1/responses/${ID}`]);
    expect((await apiError(gw.openai().responses.retrieve(first.id))).status).toBe(404);
  });

  test("a follow-up to xAI's response naming a bridged model: a 400 that names xAI, no call", async () => {
    const first = await gw.openai().responses.create({ model: 'grok-fast', input: 'Hi' });
    const err = await apiError(gw.openai().responses.create({ model: 'deepseek-chat', input: 'Go on', previous_response_id: first.id }));
    expect([err.status, err.code, err.param]).toEqual([400, 'unsupported_parameter', 'previous_response_id']);
    expect(err.message).toContain('held by xAI Grok');
    expect(deepseek.requests.length).toBe(0);
  });
});

describe('groups and tools', () => {
  test('a group falls back from xAI (503) to DeepSeek through the bridge; one row with both tries', async () => {
    create = () => jsonResponse({ error: { message: 'overloaded', type: 'server_error' } }, 503);
    const { data, response } = await gw.openai().responses.create({ model: 'xai-then-deepseek', input: 'Hi' }).withResponse();
    expect(data.output_text.length).toBeGreaterThan(0);
    expect(response.headers.get('x-gophergate-provider')).toBe('deepseek');
    expect(xai.requests.length).toBe(1);
    expect(deepseek.requests.length).toBe(1);
    const row = await gw.waitForRow(response);
    expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['grok', 502], ['deepseek', 200]]);
  });

  test("with x_search the group goes only to xAI (its heuristic put DeepSeek first, for tools): xAI answers; when xAI fails, its failure stands", async () => {
    const ask = () => gw.openai().responses.create({ model: 'xai-then-deepseek', input: 'Hi', tools: [{ type: 'x_search' } as any] });
    const { response } = await ask().withResponse();
    expect(response.headers.get('x-gophergate-provider')).toBe('grok');
    expect((await gw.waitForRow(response)).provider).toBe('grok');
    expect(deepseek.requests.length).toBe(0);
    create = () => jsonResponse({ error: { message: 'overloaded', type: 'server_error' } }, 503);
    const err = await apiError(ask());
    expect(err.status).toBe(502);
    expect(deepseek.requests.length).toBe(0);
  });

  test('a built-in tool xAI does not run is the 400 unsupported_tool before any call; a bridged provider still refuses web_search', async () => {
    const image = await apiError(gw.openai().responses.create({ model: 'grok-fast', input: 'Draw', tools: [{ type: 'image_generation' }] }));
    expect([image.status, image.code, image.param]).toEqual([400, 'unsupported_tool', 'tools[0]']);
    const search = await apiError(gw.openai().responses.create({ model: 'deepseek-chat', input: 'Hi', tools: [{ type: 'web_search' }] }));
    expect([search.status, search.code, search.param]).toEqual([400, 'unsupported_tool', 'tools[0]']);
    expect(xai.requests.length + deepseek.requests.length).toBe(0);
  });
});

describe('a group of OpenAI and xAI: each target runs only its own built-in tools', () => {
  test("x_search skips OpenAI (which would answer 400): xAI answers, one row", async () => {
    const { data, response } = await gw.openai().responses
      .create({ model: 'openai-then-xai', input: 'What is trending on X?', tools: [{ type: 'x_search' } as any] })
      .withResponse();
    expect(data.id).toBe(`resp_${ID}`);
    expect(response.headers.get('x-gophergate-provider')).toBe('grok');
    expect([openai.requests.length, xai.requests.length]).toEqual([0, 1]);
    const row = await gw.waitForRow(response);
    expect([row.provider, row.status, row.error]).toEqual(['grok', 200, null]);
  });

  test('a tool both run (web_search) stays with the group\'s first target, OpenAI', async () => {
    const { response } = await gw.openai().responses.create({ model: 'openai-then-xai', input: 'Hi', tools: [{ type: 'web_search' }] }).withResponse();
    expect(response.headers.get('x-gophergate-provider')).toBe('openai');
    expect([openai.requests.length, xai.requests.length]).toEqual([1, 0]);
    expect(openai.last().body.tools).toEqual([{ type: 'web_search' }]);
    expect((await gw.waitForRow(response)).provider).toBe('openai');
  });

  test('x_search to an OpenAI model, or a tool no target of the group runs: the 400 unsupported_tool before any call, one row', async () => {
    const alone = await apiError(gw.openai().responses.create({ model: 'gpt-5-mini', input: 'Hi', tools: [{ type: 'function', name: 'f', parameters: {}, strict: false }, { type: 'x_search' } as any] }));
    expect([alone.status, alone.code, alone.param, alone.type]).toEqual([400, 'unsupported_tool', 'tools[1]', 'invalid_request_error']);
    expect(alone.message).toContain("'x_search' is not supported by provider 'openai'");
    const none = await apiError(gw.openai().responses.create({ model: 'openai-then-xai', input: 'Hi', tools: [{ type: 'x_search' } as any, { type: 'image_generation' }] }));
    // OpenAI cannot run x_search, xAI cannot run image_generation: the first target's refusal.
    expect([none.status, none.code, none.param]).toEqual([400, 'unsupported_tool', 'tools[0]']);
    expect(openai.requests.length + xai.requests.length).toBe(0);
    for (const err of [alone, none]) expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'responses', status: 400, errorType: 'unsupported_tool' });
  });
});

describe("a tool type no provider's list names (one OpenAI added later)", () => {
  test('goes up to OpenAI as sent, which judges it (its own 400 here); xAI still refuses it before any call', async () => {
    const sent = openai.requests.length;
    const err = await apiError(gw.openai().responses.create({ model: 'gpt-5-mini', input: 'Hi', tools: [{ type: 'holodeck_2027' } as any] }));
    expect(openai.requests.length - sent).toBe(1);
    expect(openai.last().body.tools).toEqual([{ type: 'holodeck_2027' }]);
    // OpenAI's own refusal, relayed (the fake answers as OpenAI does for a type it does not have).
    expect([err.status, err.code, err.param]).toEqual([400, 'invalid_value', 'tools[0].type']);
    const xaiSent = xai.requests.length;
    const grok = await apiError(gw.openai().responses.create({ model: 'grok-fast', input: 'Hi', tools: [{ type: 'holodeck_2027' } as any] }));
    expect([grok.status, grok.code, grok.param]).toEqual([400, 'unsupported_tool', 'tools[0]']);
    expect(xai.requests.length).toBe(xaiSent);
    for (const e of [err, grok]) expect(await gw.waitForRow(e)).toMatchObject({ endpoint: 'responses', status: 400 });
  });
});

describe('background: true (xAI documents background mode as unsupported on its Responses API)', () => {
  test('to a Grok model: a 400 in OpenAI\'s shape naming `background` before any call, streamed or not; one row each', async () => {
    for (const stream of [false, true]) {
      const err = await apiError(gw.openai().responses.create({ model: 'grok-fast', input: 'Write a long story', background: true, stream } as any));
      expect([err.status, err.type, err.code, err.param]).toEqual([400, 'invalid_request_error', 'unsupported_parameter', 'background']);
      expect(err.message).toContain("Background mode is not supported by provider 'grok'");
      expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'responses', status: 400, errorType: 'unsupported_parameter', stream });
    }
    expect(xai.requests.length).toBe(0);
    // background: false is no background: passed through.
    const { response } = await gw.openai().responses.create({ model: 'grok-fast', input: 'Hi', background: false }).withResponse();
    expect(response.headers.get('x-gophergate-provider')).toBe('grok');
    expect(xai.last().body.background).toBe(false);
  });

  test('a group skips its Grok targets: to OpenAI natively, or to DeepSeek through the bridge (which runs it itself, queued)', async () => {
    const { data, response } = await gw.openai().responses.create({ model: 'xai-then-openai', input: 'Hi', background: true }).withResponse();
    expect(response.headers.get('x-gophergate-provider')).toBe('openai');
    expect(openai.last().body).toMatchObject({ model: 'gpt-5-mini', background: true });
    expect(data.id).toBe(fixtureJson('responses', 'openai-response.json').id);
    expect((await gw.waitForRow(response)).provider).toBe('openai');

    const bridged = await gw.openai().responses.create({ model: 'xai-then-deepseek', input: 'Hi', background: true }).withResponse();
    expect(bridged.data).toMatchObject({ status: 'queued', background: true });
    expect(bridged.response.headers.get('x-gophergate-provider')).toBe('deepseek');
    expect(await gw.waitForRow(bridged.response)).toMatchObject({ provider: 'deepseek', status: 200 });
    expect(xai.requests.length).toBe(0);
  });
});

test('a budget that fits the tokens but not the searches refuses the request; max_tool_calls lowers the reservation; the spend is xAI\'s figure', async () => {
  const perSearch = XAI_TOOL_CALL_USD.web_search! + (SEARCH_CONTENT_TOKENS * 0.2) / 1e6;
  const c = await limitedClient(gw, 'xai-search-budget', { budgetUsd: 5.5 * perSearch, budgetPeriod: 'day' });
  const ask = (extra: Record<string, unknown>) =>
    gw.openai(c.key).responses.create({ model: 'grok-fast', input: 'Title of x.ai?', tools: [{ type: 'web_search' }], max_output_tokens: 200, ...extra } as any);
  expect(DEFAULT_WEB_SEARCHES).toBeGreaterThan(5);
  const err = await apiError(ask({}));
  expect([err.status, err.code]).toEqual([429, 'budget_exceeded']);
  expect(xai.requests.length).toBe(0);
  const { response } = await (ask({ max_tool_calls: 2 }) as any).withResponse();
  expect((await gw.waitForRow(response)).costUsd).toBe(REPORTED);
});

test("a tool type named like an Object property ('constructor') reserves a finite cost: the key's budget still holds afterwards", async () => {
  const c = await limitedClient(gw, 'xai-proto-tool', { budgetUsd: 0.01, budgetPeriod: 'day' });
  // Admitted (its tokens fit the budget), then refused before any call: xAI runs no such tool.
  const odd = await apiError(gw.openai(c.key).responses.create({ model: 'grok-fast', input: 'Hi', tools: [{ type: 'constructor' }], max_output_tokens: 10 } as any));
  expect([odd.status, odd.code]).toEqual([400, 'unsupported_tool']);
  // Its reservation was a number and is released: a request whose searches exceed the budget is still refused.
  const err = await apiError(gw.openai(c.key).responses.create({ model: 'grok-fast', input: 'Title of x.ai?', tools: [{ type: 'web_search' }], max_output_tokens: 200 } as any));
  expect([err.status, err.code]).toEqual([429, 'budget_exceeded']);
  expect(xai.requests.length).toBe(0);
});
