/**
 * The official `openai` SDK's Responses helpers against the real gateway: `responses.parse` with
 * zodTextFormat, `responses.stream` (its event helpers and finalResponse), the stored-response
 * reads (`retrieve`, `inputItems.list`, `delete`) of bridged responses, and `background` with
 * `cancel`. OpenAI models are passed through to a fake OpenAI `/v1/responses`; DeepSeek and Claude
 * models are bridged through chat (Claude then translated to Anthropic Messages). Each case checks
 * what the SDK made of the answer, what the upstream received and the request's log row.
 */
import { describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import { fixtureJson, jsonResponse, readChunks, sseEventsResponse, sseResponse } from '../helpers/fake-upstream';
import { apiError, type TestGateway } from '../helpers/start-gateway';
import { useFakeProviders } from './fake-providers';
import { BackgroundFollower } from '../../src/responses/background-follower';
import { anthropicSse, outputFormatRefusal } from '../anthropic/fake-anthropic';
import { schemaErrors } from '../responses/openai-schema';
import { anthropicTextWith, CITY_FACTS, CITY_FACTS_SCHEMA, CITY_FACTS_TEXT, CityFacts, fixtureWith, sdkClient, type Answer } from './openai-sdk-fakes';
import { sseResetAfter } from '../helpers/stream-pieces';

let gw: TestGateway;
let sdk: ReturnType<typeof sdkClient>;
const { openaiUp, deepseekUp, anthropicUp } = useFakeProviders((g) => {
  gw = g;
  sdk = sdkClient(g);
}, { backgroundResponses: new BackgroundFollower({ firstPollMs: 5, maxPollMs: 20 }) });

const json = (body: unknown): Answer => () => jsonResponse(body);
const cityFormat = () => zodTextFormat(CityFacts, 'city_facts');
const SDK_CITY_SCHEMA = { $schema: 'http://json-schema.org/draft-07/schema#', ...CITY_FACTS_SCHEMA };
/** OpenAI's recorded Responses SSE, each event named as OpenAI names them. */
const openaiStream = () => sseEventsResponse(readChunks('responses', 'openai-response-stream.chunks.txt').map((data) => ({ event: JSON.parse(data).type, data })));
/** OpenAI's recorded response answering `text` as its message. */
const openaiResponseWith = (text: string, change: (j: any) => void = () => {}) =>
  fixtureWith('responses', 'openai-response.json', (j) => {
    j.output[1].content[0].text = text;
    change(j);
  });

/** Every event of a responses.stream run by type, the text deltas, and the final response. */
async function runStream(stream: ReturnType<typeof sdk.client.responses.stream>) {
  const types: string[] = [];
  const deltas: string[] = [];
  const argDeltas: string[] = [];
  stream.on('event', (e) => types.push(e.type));
  stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
  stream.on('response.function_call_arguments.delta', (e) => argDeltas.push(e.delta));
  const final = await stream.finalResponse();
  return { types, deltas, argDeltas, final };
}

describe('responses.parse with zodTextFormat', () => {
  test('OpenAI: output_parsed from the message text; text.format reaches OpenAI as the SDK sent it', async () => {
    openaiUp.handler = json(openaiResponseWith(CITY_FACTS_TEXT));
    const { data, request_id } = await sdk.client.responses.parse({ model: 'gpt-5-mini', input: 'Facts about Paris?', text: { format: cityFormat() } }).withResponse();
    expect(data.output_parsed).toEqual(CITY_FACTS);
    expect(data.output_text).toBe(CITY_FACTS_TEXT);
    const sent = openaiUp.last();
    expect(sent.path).toBe('/v1/responses');
    expect(sent.body.text.format).toEqual({ type: 'json_schema', name: 'city_facts', strict: true, schema: SDK_CITY_SCHEMA });
    expect(await gw.waitForRow(request_id!)).toMatchObject({ endpoint: 'responses', provider: 'openai', status: 200, promptTokens: 21, completionTokens: 78, reasoningTokens: 64 });
  });

  test("Claude (bridged, translated): text.format goes as output_config.format, the answer's JSON text the parsed output", async () => {
    anthropicUp.handler = (_req, rec) => outputFormatRefusal(rec.body) ?? jsonResponse(fixtureJson('anthropic', 'structured-output.json'));
    const { data, request_id } = await sdk.client.responses
      .parse({ model: 'claude-sonnet-4-5', instructions: 'Be exact.', input: 'Facts about Paris?', text: { format: cityFormat() } })
      .withResponse();
    expect(data.output_parsed).toEqual(CITY_FACTS);
    expect(data.output_text).toBe(CITY_FACTS_TEXT);
    expect(data.text?.format).toMatchObject({ type: 'json_schema', name: 'city_facts' });
    expect(schemaErrors('Response', JSON.parse(JSON.stringify({ ...data, output_parsed: undefined })))).toEqual([]);
    const sent = anthropicUp.last().body;
    expect(sent.system).toEqual([{ type: 'text', text: 'Be exact.' }]);
    expect(sent.output_config).toEqual({ format: { type: 'json_schema', schema: CITY_FACTS_SCHEMA } });
    expect([sent.tools, sent.tool_choice]).toEqual([undefined, undefined]);
    expect(await gw.waitForRow(request_id!)).toMatchObject({ endpoint: 'responses', provider: 'anthropic', status: 200, promptTokens: 215, completionTokens: 17 });
  });

  test('DeepSeek (bridged): a JSON schema is refused with a 400 before any call (its JSON mode takes none)', async () => {
    const before = deepseekUp.requests.length;
    const err = await apiError(sdk.client.responses.parse({ model: 'deepseek-chat', input: 'Facts about Paris?', text: { format: cityFormat() } }));
    expect([err.status, err.code, err.param]).toEqual([400, 'unsupported_parameter', 'text.format']);
    expect(deepseekUp.requests.length).toBe(before);
    expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'responses', status: 400, modelRequested: 'deepseek-chat', promptTokens: 0 });
  });
});

describe('responses.stream', () => {
  test('OpenAI: output_text.delta events, finalResponse with its text and usage; one stream row', async () => {
    openaiUp.handler = () => openaiStream();
    const r = await runStream(sdk.client.responses.stream({ model: 'gpt-4o-mini', input: 'Hello' }));
    expect(r.deltas).toEqual(['Hello', '!', ' How', ' can I help?']);
    expect(r.types[0]).toBe('response.created');
    expect(r.types.at(-1)).toBe('response.completed');
    expect(r.final.output_text).toBe('Hello! How can I help?');
    expect(r.final.usage).toMatchObject({ input_tokens: 9, output_tokens: 7 });
    expect(openaiUp.last().body).toMatchObject({ model: 'gpt-4o-mini', stream: true });
    expect(await gw.waitForRow(sdk.ids.last())).toMatchObject({ endpoint: 'responses', provider: 'openai', stream: true, promptTokens: 9, completionTokens: 7 });
  });

  test('DeepSeek (bridged): reasoning then text events; finalResponse holds both items and the usage', async () => {
    deepseekUp.handler = () => sseResponse(readChunks('deepseek', 'text.chunks.txt'));
    const reasoning: string[] = [];
    const stream = sdk.client.responses.stream({ model: 'deepseek-reasoner', input: 'Hello' });
    stream.on('response.reasoning_text.delta', (e) => reasoning.push(e.delta));
    const r = await runStream(stream);
    expect(r.deltas).toEqual(['Hello', '! How can I help?']);
    expect(reasoning.join('')).toBe('The user greets me.');
    expect(r.final.output.map((o) => o.type)).toEqual(['reasoning', 'message']);
    expect(r.final.output_text).toBe('Hello! How can I help?');
    expect(r.final.usage).toMatchObject({ input_tokens: 24, output_tokens: 58, output_tokens_details: { reasoning_tokens: 49 }, input_tokens_details: { cached_tokens: 16 } });
    expect(deepseekUp.last().body).toMatchObject({ model: 'deepseek-reasoner', stream: true, stream_options: { include_usage: true } });
    expect(await gw.waitForRow(sdk.ids.last())).toMatchObject({ endpoint: 'responses', provider: 'deepseek', stream: true, promptTokens: 24, completionTokens: 58, reasoningTokens: 49 });
  });

  test('DeepSeek (bridged): function_call_arguments.delta events, two function_call items at the end', async () => {
    deepseekUp.handler = () => sseResponse(readChunks('deepseek', 'tools.chunks.txt'));
    const tools = [{ type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: false }];
    const r = await runStream(sdk.client.responses.stream({ model: 'deepseek-chat', input: 'Weather in Paris and Tokyo?', tools }));
    expect(r.argDeltas).toEqual(['{"city": "Paris"}', '{"city": "Tokyo"}']);
    expect(r.final.output.map((o: any) => [o.type, o.call_id, o.name, o.arguments])).toEqual([
      ['function_call', 'call_0_7c1e4a2b-1f3d-4c5e-8a9b-0c1d2e3f4a5b', 'get_weather', '{"city": "Paris"}'],
      ['function_call', 'call_1_9d2f5b3c-2a4e-4d6f-9b0c-1d2e3f4a5b6c', 'get_weather', '{"city": "Tokyo"}'],
    ]);
    expect(deepseekUp.last().body.tools).toEqual([{ type: 'function', function: { name: 'get_weather', parameters: tools[0]!.parameters, strict: false } }]);
    expect(await gw.waitForRow(sdk.ids.last())).toMatchObject({ provider: 'deepseek', stream: true, promptTokens: 210, completionTokens: 40, cachedTokens: 192 });
  });

  test('Claude (bridged, translated): text deltas and the final response with usage', async () => {
    anthropicUp.handler = () => anthropicSse('text.sse');
    const r = await runStream(sdk.client.responses.stream({ model: 'claude-sonnet-4-5', input: 'Tell a story.' }));
    expect(r.deltas).toEqual(['Once upon', ' a time.']);
    expect(r.final.output_text).toBe('Once upon a time.');
    expect(r.final.status).toBe('completed');
    expect(r.final.usage).toMatchObject({ input_tokens: 21, output_tokens: 9, total_tokens: 30 });
    expect(anthropicUp.last().body).toMatchObject({ model: 'claude-sonnet-4-5', stream: true, messages: [{ role: 'user', content: [{ type: 'text', text: 'Tell a story.' }] }] });
    expect(await gw.waitForRow(sdk.ids.last())).toMatchObject({ endpoint: 'responses', provider: 'anthropic', stream: true, promptTokens: 21, completionTokens: 9 });
  });

  test('Claude with zodTextFormat: output_config.format, the JSON text streams as output text, output_parsed at the end', async () => {
    anthropicUp.handler = (_req, rec) => outputFormatRefusal(rec.body) ?? anthropicSse('structured-output.sse');
    const r = await runStream(sdk.client.responses.stream({ model: 'claude-sonnet-4-5', input: 'Facts about Paris?', text: { format: cityFormat() } }));
    expect(r.deltas).toEqual(['{"city":"Par', 'is","population_millions":2.1}']);
    expect(r.final.output_parsed).toEqual(CITY_FACTS);
    expect(r.final.output_text).toBe(CITY_FACTS_TEXT);
    expect(anthropicUp.last().body.output_config).toEqual({ format: { type: 'json_schema', schema: CITY_FACTS_SCHEMA } });
    expect(anthropicUp.last().body.tool_choice).toBeUndefined();
    expect(await gw.waitForRow(sdk.ids.last())).toMatchObject({ provider: 'anthropic', stream: true, promptTokens: 215, completionTokens: 17 });
  });
});

describe('stored bridged responses: retrieve, inputItems.list, delete', () => {
  /** Reads leave no log row: none of these answers' ids may name one. */
  const expectNoRows = async (mark: number) => {
    const ids = sdk.ids.ids.slice(mark);
    await Bun.sleep(50);
    expect(gw.logs.filter((l) => ids.includes(l.requestId ?? ''))).toEqual([]);
  };

  for (const [name, model, answer, text] of [
    ['DeepSeek', 'deepseek-chat', () => jsonResponse(fixtureJson('deepseek', 'chat.json')), 'Hello! How can I help?'],
    ['Claude', 'claude-sonnet-4-5', () => jsonResponse(anthropicTextWith('Bonjour !')), 'Bonjour !'],
  ] as const) {
    test(`${name}: retrieve answers the response as created, input_items pages through the input, delete forgets it`, async () => {
      (name === 'DeepSeek' ? deepseekUp : anthropicUp).handler = answer;
      const input = [
        { role: 'user' as const, content: 'First question' },
        { role: 'assistant' as const, content: 'First answer' },
        { role: 'user' as const, content: 'Second question' },
      ];
      const { data: created, request_id } = await sdk.client.responses.create({ model, instructions: 'Be brief.', input }).withResponse();
      expect(created.output_text).toBe(text);
      expect(await gw.waitForRow(request_id!)).toMatchObject({ endpoint: 'responses', status: 200 });
      const mark = sdk.ids.ids.length;

      const got = await sdk.client.responses.retrieve(created.id);
      expect(got).toEqual(created);
      expect(schemaErrors('Response', got)).toEqual([]);

      const items: any[] = [];
      for await (const item of sdk.client.responses.inputItems.list(created.id, { limit: 1, order: 'asc' })) items.push(item);
      expect(items.map((i) => [i.type, i.role, i.content[0].text])).toEqual([
        ['message', 'user', 'First question'],
        ['message', 'assistant', 'First answer'],
        ['message', 'user', 'Second question'],
      ]);
      expect(new Set(items.map((i) => i.id)).size).toBe(3);
      const firstPage = await sdk.client.responses.inputItems.list(created.id);
      expect(firstPage.data.map((i: any) => i.id)).toEqual(items.map((i) => i.id).reverse());
      expect(firstPage.has_more).toBe(false);

      // Typed void by the SDK; the body is OpenAI's deletion object.
      expect(await sdk.client.responses.delete(created.id)).toEqual({ id: created.id, object: 'response', deleted: true } as any);
      const gone = await apiError(sdk.client.responses.retrieve(created.id));
      expect([gone.status, gone.type]).toEqual([404, 'invalid_request_error']);
      expect(gone.message).toContain(created.id);
      expect((await apiError(sdk.client.responses.inputItems.list(created.id))).status).toBe(404);
      await expectNoRows(mark);
    });
  }

  test('DeepSeek: a stream that ends in response.failed is stored as OpenAI keeps failed responses; retrieve shows it with its error', async () => {
    const chunks = readChunks('deepseek', 'text.chunks.txt');
    // The connection drops once the client has seen text (a drop sent with the chunks could land
    // before the first byte, which would be a plain HTTP error rather than a failed stream).
    const textSeen = Promise.withResolvers<void>();
    deepseekUp.handler = () => sseResetAfter(chunks, 4, textSeen.promise);
    const input = 'Hello';
    const { data: stream, request_id } = await sdk.client.responses.create({ model: 'deepseek-reasoner', input, stream: true }).withResponse();
    let failed: any;
    for await (const e of stream) {
      if (e.type === 'response.output_text.delta') textSeen.resolve();
      if (e.type === 'response.failed') failed = e.response;
    }
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'server_error' } });
    expect(await gw.waitForRow(request_id!)).toMatchObject({ endpoint: 'responses', provider: 'deepseek', status: 502 });

    const got = await sdk.client.responses.retrieve(failed.id);
    // What the SDK adds to a retrieved response aside, it is the response.failed event's.
    const { output_text, _request_id, ...plain } = got as any;
    expect(plain).toEqual(failed);
    expect(output_text).toBe('Hello');
    expect(schemaErrors('Response', plain)).toEqual([]);
    const items = await sdk.client.responses.inputItems.list(failed.id);
    expect(items.data.map((i: any) => [i.type, i.role, i.content[0].text])).toEqual([['message', 'user', input]]);

    // A follow-up continues from its input, without the cut output.
    deepseekUp.handler = () => jsonResponse(fixtureJson('deepseek', 'chat.json'));
    const next = await sdk.client.responses.create({ model: 'deepseek-reasoner', previous_response_id: failed.id, input: 'Again?' });
    expect(next.status).toBe('completed');
    const sent = deepseekUp.last().body.messages.filter((m: any) => m.role !== 'system'); // the reasoner gets a language hint
    expect(sent).toEqual([{ role: 'user', content: input }, { role: 'user', content: 'Again?' }]);
  });

  test('another key cannot read, list or delete it (404), and the owner still can', async () => {
    deepseekUp.handler = () => jsonResponse(fixtureJson('deepseek', 'chat.json'));
    const created = await sdk.client.responses.create({ model: 'deepseek-chat', input: 'Hello' });
    const other = new OpenAI({ apiKey: gw.addClient('another app').key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    for (const call of [() => other.responses.retrieve(created.id), () => other.responses.inputItems.list(created.id), () => other.responses.delete(created.id)]) {
      expect((await apiError(call())).status).toBe(404);
    }
    expect((await sdk.client.responses.retrieve(created.id)).id).toBe(created.id);
  });
});

describe('background and cancel', () => {
  test('bridged (DeepSeek, Claude): background runs at the gateway, queued, then completed on retrieve, one row; with store false a 400 naming store, nothing sent upstream', async () => {
    deepseekUp.handler = () => sseResponse(readChunks('deepseek', 'text.chunks.txt'));
    anthropicUp.handler = () => anthropicSse('text.sse');
    for (const [model, up] of [['deepseek-chat', deepseekUp], ['claude-sonnet-4-5', anthropicUp]] as const) {
      const before = up.requests.length;
      const err = await apiError(sdk.client.responses.create({ model, input: 'Hello', background: true, store: false }));
      expect([model, err.status, err.param, err.type]).toEqual([model, 400, 'store', 'invalid_request_error']);
      expect(up.requests.length).toBe(before);
      expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'responses', status: 400, modelRequested: model });

      const { data: queued, request_id } = await sdk.client.responses.create({ model, input: 'Hello', background: true }).withResponse();
      expect(queued).toMatchObject({ status: 'queued', background: true, output: [] });
      let done = await sdk.client.responses.retrieve(queued.id);
      for (let i = 0; i < 1_000 && (done.status === 'queued' || done.status === 'in_progress'); i++) {
        await Bun.sleep(5);
        done = await sdk.client.responses.retrieve(queued.id);
      }
      expect(done).toMatchObject({ id: queued.id, status: 'completed', background: true });
      expect(done.output_text).not.toBe('');
      expect(await gw.waitForRow(request_id!)).toMatchObject({ endpoint: 'responses', status: 200, modelRequested: model });
    }
  });

  test('cancel of a bridged (never background) response: OpenAI\'s 400, the response left as it was', async () => {
    deepseekUp.handler = () => jsonResponse(fixtureJson('deepseek', 'chat.json'));
    const created = await sdk.client.responses.create({ model: 'deepseek-chat', input: 'Hello' });
    const err = await apiError(sdk.client.responses.cancel(created.id));
    expect([err.status, err.type, err.message]).toEqual([400, 'invalid_request_error', expect.stringContaining('Cannot cancel a synchronous response')]);
    expect(await sdk.client.responses.retrieve(created.id)).toEqual(created);
    const unknown = await apiError(sdk.client.responses.cancel('resp_unknown0123'));
    expect([unknown.status, unknown.message]).toEqual([404, expect.stringContaining('resp_unknown0123')]);
  });

  test('OpenAI: background goes through; retrieve polls OpenAI, cancel is forwarded to OpenAI with the gateway key', async () => {
    const queued = fixtureWith('responses', 'openai-response.json', (j) => {
      j.id = 'resp_bg0123456789';
      j.status = 'queued';
      j.background = true;
      j.output = [];
      j.usage = null;
    });
    // OpenAI's state of the response: in progress until cancelled (then with the usage it had).
    let state: Record<string, unknown> = { status: 'in_progress' };
    openaiUp.handler = (_req, rec) => {
      if (rec.method === 'POST' && rec.path === '/v1/responses') return jsonResponse(queued);
      if (rec.method === 'GET' && rec.path === '/v1/responses/resp_bg0123456789') return jsonResponse({ ...queued, ...state });
      if (rec.method === 'POST' && rec.path === '/v1/responses/resp_bg0123456789/cancel') {
        state = { status: 'cancelled', usage: { input_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens: 34, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 46 } };
        return jsonResponse({ ...queued, ...state });
      }
      return jsonResponse({ error: { message: 'unexpected', type: 'invalid_request_error', param: null, code: null } }, 404);
    };
    const { data: created, request_id } = await sdk.client.responses.create({ model: 'gpt-5-mini', input: 'A long essay', background: true }).withResponse();
    expect(created).toMatchObject({ id: 'resp_bg0123456789', status: 'queued', background: true });
    expect(openaiUp.requests.findLast((r) => r.method === 'POST' && r.path === '/v1/responses')!.body).toMatchObject({ background: true, model: 'gpt-5-mini' });

    expect((await sdk.client.responses.retrieve(created.id)).status).toBe('in_progress');
    const cancelled = await sdk.client.responses.cancel(created.id);
    expect(cancelled).toMatchObject({ id: 'resp_bg0123456789', status: 'cancelled' });
    // The gateway read the response back until it ended: its one row bills what it used.
    expect(await gw.waitForRow(request_id!)).toMatchObject({ endpoint: 'responses', provider: 'openai', status: 200, promptTokens: 12, completionTokens: 34 });
    const sent = openaiUp.requests.find((r) => r.path.endsWith('/cancel'))!;
    expect([sent.method, sent.path, sent.headers.authorization]).toEqual(['POST', '/v1/responses/resp_bg0123456789/cancel', 'Bearer sk-test-openai-key-0123456789']);
    const other = new OpenAI({ apiKey: gw.addClient('not the owner').key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const before = openaiUp.requests.length;
    expect((await apiError(other.responses.cancel(created.id))).status).toBe(404);
    expect(openaiUp.requests.length).toBe(before);
  });
});
