/**
 * A /v1/responses pass-through whose upstream answers 200 with something that is not a Responses
 * answer (a page, an error object, a stream that opens with an error event or with no event at
 * all) is a failed try, as on chat: the circuit breaker counts it, the group's next target answers
 * (OpenAI's next model passed through, or another provider through the bridge), and only when
 * every target failed does the client get a 502 in OpenAI's shape. Nothing of the broken answer
 * reaches the client. Real gateway, fake upstreams on loopback, the official `openai` client,
 * one log row per request (by its x-request-id).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { modelGroups } from '../../src/db/schema';
import { fixtureText, jsonResponse, rawJsonResponse, sseEventsResponse, startFakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { apiError, providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';

type Reply = (s: RecordedRequest) => Response;
/** What the fake OpenAI answers, per model. */
let openaiReplies: Record<string, Reply> = {};
const openai = startFakeUpstream((_req, s) => openaiReplies[s.body?.model]?.(s) ?? jsonResponse({ error: { message: `no reply for ${s.body?.model}` } }, 500));
const deepseek = startFakeUpstream(() => rawJsonResponse(fixtureText('deepseek', 'chat.json')));
let gw: TestGateway;
let client: OpenAI;
useGateway(
  (g) => {
    gw = g;
    client = g.openai();
  },
  { env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('deepseek', deepseek.url) } },
);
afterAll(() => {
  openai.close();
  deepseek.close();
});
beforeAll(() => {
  // OpenAI first, then DeepSeek (reached through the bridge). openai-auto (seeded): gpt-4o-mini, then gpt-4o.
  gw.ctx.db.insert(modelGroups).values({ name: 'pt-fallback', strategy: 'heuristic', targets: ['gpt-4o-mini', 'deepseek-chat'], updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
});
beforeEach(() => {
  gw.ctx.breakers.reset();
  openaiReplies = {};
  openai.requests.length = 0;
  deepseek.requests.length = 0;
});

const RAW = fixtureText('responses', 'openai-response.json');
const EVENTS = fixtureText('responses', 'openai-response-stream.chunks.txt').trim().split('\n');
const goodJson: Reply = () => rawJsonResponse(RAW);
const goodStream: Reply = () => sseEventsResponse(EVENTS.map((data) => ({ event: JSON.parse(data).type, data })));
const GARBAGE = '<html><body><h1>502 Bad Gateway</h1> the upstream proxy is down</body></html>';

/** 200 answers that are not a Responses answer, to a whole-answer request. */
const BROKEN_JSON: Record<string, { reply: Reply; says: string }> = {
  'an HTML page': { reply: () => new Response(GARBAGE, { headers: { 'content-type': 'text/html' } }), says: 'answered with something that is not JSON' },
  'an error object': { reply: () => jsonResponse({ error: { message: 'model overloaded', type: 'server_error' } }), says: 'answered with an error: model overloaded' },
  'a JSON array': { reply: () => jsonResponse([]), says: 'answered with something that is not JSON' },
  // A server in OpenAI's place that answered in the chat API's shape, or with nothing: relayed as the response before.
  'a chat completion': {
    reply: () => jsonResponse({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }] }),
    says: 'answered with JSON that is not a Responses object',
  },
  'an empty object': { reply: () => jsonResponse({}), says: 'answered with JSON that is not a Responses object' },
};

/** 200 answers that are not a Responses event stream, to a streamed request. */
const BROKEN_STREAMS: Record<string, { reply: Reply; says: string }> = {
  'an HTML page': { reply: () => new Response(GARBAGE, { headers: { 'content-type': 'text/html' } }), says: 'not a Responses event stream' },
  'an error object as JSON': { reply: () => jsonResponse({ error: { message: 'model overloaded', type: 'server_error' } }), says: 'answered with an error: model overloaded' },
  "OpenAI's error event first": {
    reply: () => sseEventsResponse([{ event: 'error', data: JSON.stringify({ type: 'error', code: 'server_error', message: 'The server had an error.', param: null, sequence_number: 0 }) }]),
    says: 'stream failed: The server had an error.',
  },
  'data that is not JSON': { reply: () => sseEventsResponse([{ data: 'upstream exploded' }]), says: 'not a Responses event stream' },
  'an empty stream': { reply: () => new Response('', { headers: { 'content-type': 'text/event-stream' } }), says: 'not a Responses event stream' },
};

const tries = (row: { attempts?: string | null }) => JSON.parse(row.attempts!).map((a: any) => [a.provider, a.model, a.status]);
const failuresOf = (key: string) => gw.ctx.breakers.list().find((b) => b.key === key)?.failures ?? 0;

describe('a whole answer', () => {
  for (const [name, { reply, says }] of Object.entries(BROKEN_JSON)) {
    test(`${name} with 200: OpenAI's next model answers, byte for byte; the breaker counted the failure`, async () => {
      openaiReplies = { 'gpt-4o-mini': reply, 'gpt-4o': goodJson };
      const { data, response } = await client.responses.create({ model: 'openai-auto', input: 'Hi' }).withResponse();
      expect(data.output_text).toBe('Hi! How can I help?');
      expect(response.headers.get('x-gophergate-model')).toBe('gpt-4o');
      expect(openai.requests.map((r) => r.body.model)).toEqual(['gpt-4o-mini', 'gpt-4o']);
      expect(failuresOf('openai/gpt-4o-mini')).toBe(1);
      const row = await gw.waitForRow(response);
      expect(row).toMatchObject({ endpoint: 'responses', status: 200, model: 'gpt-4o', stream: false });
      expect(tries(row)).toEqual([['openai', 'gpt-4o-mini', 502], ['openai', 'gpt-4o', 200]]);
      expect(JSON.parse(row.attempts!)[0].error).toContain(says);
    });
  }

  test('the next provider through the bridge answers when OpenAI sent garbage', async () => {
    openaiReplies = { 'gpt-4o-mini': BROKEN_JSON['an HTML page']!.reply };
    const { data, response } = await client.responses.create({ model: 'pt-fallback', input: 'Hi' }).withResponse();
    expect(data).toMatchObject({ object: 'response', status: 'completed', output_text: 'Hello! How can I help?' });
    expect(deepseek.requests).toHaveLength(1);
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ status: 200, provider: 'deepseek' });
    expect(tries(row)).toEqual([['openai', 'gpt-4o-mini', 502], ['deepseek', 'deepseek-chat', 200]]);
  });

  test("every target garbage: a 502 in OpenAI's shape naming the last failure, one row with every try", async () => {
    openaiReplies = { 'gpt-4o-mini': BROKEN_JSON['an HTML page']!.reply, 'gpt-4o': BROKEN_JSON['an error object']!.reply };
    const err = await apiError(client.responses.create({ model: 'openai-auto', input: 'Hi' }));
    expect(err.status).toBe(502);
    expect(err.error).toEqual({ message: 'Upstream OpenAI (openai) answered with an error: model overloaded', type: 'api_error', code: 'upstream_error', param: null });
    const row = await gw.waitForRow(err);
    expect(row.status).toBe(502);
    expect(tries(row)).toEqual([['openai', 'gpt-4o-mini', 502], ['openai', 'gpt-4o', 502]]);
    expect([failuresOf('openai/gpt-4o-mini'), failuresOf('openai/gpt-4o')]).toEqual([1, 1]);
  });
});

describe('a stream', () => {
  for (const [name, { reply, says }] of Object.entries(BROKEN_STREAMS)) {
    test(`${name} before any byte went out: OpenAI's next model streams the answer`, async () => {
      openaiReplies = { 'gpt-4o-mini': reply, 'gpt-4o': goodStream };
      const { data: stream, response } = await client.responses.create({ model: 'openai-auto', input: 'Hi', stream: true }).withResponse();
      const events: any[] = [];
      for await (const e of stream) events.push(e);
      // Exactly the second model's events, from its first: nothing of the broken answer before them.
      expect(events.map((e) => JSON.stringify(e))).toEqual(EVENTS.map((d) => JSON.stringify(JSON.parse(d))));
      expect(failuresOf('openai/gpt-4o-mini')).toBe(1);
      const row = await gw.waitForRow(response);
      expect(row).toMatchObject({ endpoint: 'responses', status: 200, model: 'gpt-4o', stream: true });
      expect(tries(row)).toEqual([['openai', 'gpt-4o-mini', 502], ['openai', 'gpt-4o', 200]]);
      expect(JSON.parse(row.attempts!)[0].error).toContain(says);
    });
  }

  test('garbage first, then the bridge: DeepSeek answers the stream', async () => {
    openaiReplies = { 'gpt-4o-mini': BROKEN_STREAMS['an HTML page']!.reply };
    deepseek.handler = () => sseEventsResponse([...fixtureText('deepseek', 'text.chunks.txt').trim().split('\n').map((data) => ({ data })), { data: '[DONE]' }]);
    try {
      const { data: stream, response } = await client.responses.create({ model: 'pt-fallback', input: 'Hi', stream: true }).withResponse();
      const events: any[] = [];
      for await (const e of stream) events.push(e);
      expect(events[0].type).toBe('response.created');
      expect(events.at(-1)).toMatchObject({ type: 'response.completed', response: { status: 'completed' } });
      const row = await gw.waitForRow(response);
      expect(row).toMatchObject({ status: 200, provider: 'deepseek' });
      expect(tries(row)).toEqual([['openai', 'gpt-4o-mini', 502], ['deepseek', 'deepseek-chat', 200]]);
    } finally {
      deepseek.handler = () => rawJsonResponse(fixtureText('deepseek', 'chat.json'));
    }
  });

  test("every target garbage: a 502 in OpenAI's shape before any event, one row", async () => {
    openaiReplies = { 'gpt-4o-mini': BROKEN_STREAMS['an HTML page']!.reply, 'gpt-4o': BROKEN_STREAMS["OpenAI's error event first"]!.reply };
    const err = await apiError(client.responses.create({ model: 'openai-auto', input: 'Hi', stream: true }));
    expect(err.status).toBe(502);
    expect(err.error).toEqual({ message: 'OpenAI (openai) stream failed: The server had an error.', type: 'api_error', code: 'server_error', param: null });
    const row = await gw.waitForRow(err);
    expect(row).toMatchObject({ status: 502, stream: true });
    expect(tries(row)).toEqual([['openai', 'gpt-4o-mini', 502], ['openai', 'gpt-4o', 502]]);
  });

  test("an error event of the request's own first: OpenAI's 400, no other target asked, no circuit failure", async () => {
    const invalid = { type: 'error', code: 'invalid_prompt', message: 'Invalid prompt: flagged.', param: null, sequence_number: 0 };
    openaiReplies = { 'gpt-4o-mini': () => sseEventsResponse([{ event: 'error', data: JSON.stringify(invalid) }]), 'gpt-4o': goodStream };
    const err = await apiError(client.responses.create({ model: 'openai-auto', input: 'Hi', stream: true }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ message: 'OpenAI (openai) stream failed: Invalid prompt: flagged.', code: 'invalid_prompt' });
    expect(openai.requests.map((r) => r.body.model)).toEqual(['gpt-4o-mini']);
    expect(failuresOf('openai/gpt-4o-mini')).toBe(0);
    expect((await gw.waitForRow(err)).status).toBe(400);
  });

  test('a failure after the first event went out: the stream ends with an error event, no fallback', async () => {
    const enc = new TextEncoder();
    openaiReplies = {
      'gpt-4o-mini': () => {
        let sent = false;
        return new Response(
          new ReadableStream<Uint8Array>({
            async pull(c) {
              if (sent) return c.error(new Error('fake upstream cut the stream'));
              sent = true;
              c.enqueue(enc.encode(`event: response.created\ndata: ${EVENTS[0]}\n\n`));
              await Bun.sleep(20);
            },
          }),
          { headers: { 'content-type': 'text/event-stream' } },
        );
      },
      'gpt-4o': goodStream,
    };
    const { data: stream, response } = await client.responses.create({ model: 'openai-auto', input: 'Hi', stream: true }).withResponse();
    const events: any[] = [];
    const failure = await (async () => {
      try {
        for await (const e of stream) events.push(e);
      } catch (err) {
        return err as Error;
      }
      return null;
    })();
    expect(events.map((e) => e.type)).toEqual(['response.created']);
    expect(failure?.message).toContain('broke off its answer');
    expect(openai.requests.map((r) => r.body.model)).toEqual(['gpt-4o-mini']);
    expect(await gw.waitForRow(response)).toMatchObject({ status: 502, model: 'gpt-4o-mini' });
  });

  test('closed without its terminal event after the first event went out: an error event ends it, the row and the breaker count a failure', async () => {
    // response.created and the first deltas, then the connection closes cleanly: no response.completed, no error event.
    openaiReplies = { 'gpt-4o-mini': () => sseEventsResponse(EVENTS.slice(0, 5).map((data) => ({ event: JSON.parse(data).type, data }))), 'gpt-4o': goodStream };
    const { data: stream, response } = await client.responses.create({ model: 'openai-auto', input: 'Hi', stream: true }).withResponse();
    const events: any[] = [];
    let failure: Error | null = null;
    try {
      for await (const e of stream) events.push(e);
    } catch (err) {
      failure = err as Error;
    }
    expect(events.map((e) => e.type)).toEqual(EVENTS.slice(0, 5).map((d) => JSON.parse(d).type));
    expect(failure?.message).toContain('ended the stream before its terminal event');
    expect(openai.requests.map((r) => r.body.model)).toEqual(['gpt-4o-mini']);
    expect(failuresOf('openai/gpt-4o-mini')).toBe(1);
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ status: 502, model: 'gpt-4o-mini' });
    expect(row.error).toContain('ended the stream before its terminal event');
  });
});

describe("a 400 for the OpenAI target's own limits", () => {
  // OpenAI's 400s that say the model cannot take this request, not that the request is wrong: a
  // parameter the model refuses, or a prompt over its window. Another target may take it, as on chat.
  const REFUSALS: Record<string, Reply> = {
    'a temperature the model refuses (unsupported_parameter)': () =>
      jsonResponse({ error: { message: "Unsupported parameter: 'temperature' is not supported with this model.", type: 'invalid_request_error', param: 'temperature', code: 'unsupported_parameter' } }, 400),
    'a prompt over its context window': () =>
      jsonResponse({ error: { message: 'Your input exceeds the context window of this model. Please adjust your input and try again.', type: 'invalid_request_error', param: 'input', code: 'context_length_exceeded' } }, 400),
  };
  for (const [name, reply] of Object.entries(REFUSALS)) {
    test(`${name}: the group's next target (DeepSeek, through the bridge) answers; one row with both tries`, async () => {
      openaiReplies = { 'gpt-4o-mini': reply };
      const { data, response } = await client.responses.create({ model: 'pt-fallback', input: 'Hi', temperature: 0.2 }).withResponse();
      expect(data.output_text).toBeTruthy();
      expect(response.headers.get('x-gophergate-provider')).toBe('deepseek');
      expect(deepseek.requests.length).toBe(1);
      const row = await gw.waitForRow(response);
      expect(row).toMatchObject({ endpoint: 'responses', status: 200, provider: 'deepseek' });
      expect(tries(row)).toEqual([['openai', 'gpt-4o-mini', 400], ['deepseek', 'deepseek-chat', 200]]);
      expect(failuresOf('openai/gpt-4o-mini')).toBe(0);
    });
  }

  test('another 400 (a bad input) is the request\'s own: answered at once, DeepSeek never asked', async () => {
    openaiReplies = { 'gpt-4o-mini': () => jsonResponse({ error: { message: "Invalid value: 'input_texts'.", type: 'invalid_request_error', param: 'input[0].content[0].type', code: 'invalid_value' } }, 400) };
    const err = await apiError(client.responses.create({ model: 'pt-fallback', input: 'Hi' }));
    expect([err.status, err.param]).toEqual([400, 'input[0].content[0].type']);
    expect(deepseek.requests.length).toBe(0);
    expect(await gw.waitForRow(err)).toMatchObject({ status: 400, provider: 'openai' });
  });
});
