import { describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { jsonResponse, rawJsonResponse, sseEventsResponse as sse } from '../helpers/fake-upstream';
import { apiError, type TestGateway } from '../helpers/start-gateway';
import { expectValidEvents, fixture, lines, useResponsesRig } from './responses-rig';
import { sseResetAfter } from '../helpers/stream-pieces';

let gw: TestGateway;
let client: OpenAI;
const { replies, openai, deepseek, gemini } = useResponsesRig((g) => {
  gw = g;
  client = g.openai();
});

describe('POST /v1/responses, groups and errors', () => {
  test('a group routes like chat', async () => {
    replies['deepseek /chat/completions'] = async () => rawJsonResponse(await fixture('deepseek-reasoner-tools.completion.json'));
    const res = await client.responses.create({ model: 'deepseek-auto', input: 'hi' }).withResponse();
    expect(res.response.headers.get('x-gophergate-route')).toStartWith('deepseek-auto>');
    expect(res.response.headers.get('x-gophergate-provider')).toBe('deepseek');
    expect(res.data.status).toBe('completed');
  });

  test('model "dispatcher": the classifier call goes out, the chosen target answers', async () => {
    replies['openai /v1/chat/completions'] = () =>
      jsonResponse({
        id: 'chatcmpl-1', object: 'chat.completion', created: 1745400400, model: 'gpt-5.4-nano',
        choices: [{ index: 0, message: { role: 'assistant', content: '1' }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 40, completion_tokens: 1, total_tokens: 41 },
      });
    replies['deepseek /chat/completions'] = async () => rawJsonResponse(await fixture('deepseek-reasoner-tools.completion.json'));
    const res = await client.responses.create({ model: 'dispatcher', input: 'Say hi.' }).withResponse();
    expect(openai.requests.at(-1)!.path).toBe('/v1/chat/completions');
    expect(res.response.headers.get('x-gophergate-route')).toStartWith('dispatcher>fast-flow>');
    expect(res.response.headers.get('x-gophergate-provider')).toBe('deepseek');
    expect(deepseek.requests.at(-1)!.body.messages.at(-1)).toEqual({ role: 'user', content: 'Say hi.' });
    expect(res.data.output_text).toBe('Let me check the weather.');
    const [classifier] = await gw.waitForChildRows(res, 1);
    expect(classifier).toMatchObject({ endpoint: 'classifier', parentRequestId: res.response.headers.get('x-request-id') });
  });

  test("a group's OpenAI target failing: its next target answers (OpenAI's next model, or another provider through the bridge), one row with every try", async () => {
    const raw = await fixture('openai-response.json');
    // openai-auto: gpt-4o-mini, then gpt-4o (both OpenAI, passed through).
    replies['openai /v1/responses'] = (s) => (s.body.model === 'gpt-4o-mini' ? jsonResponse({ error: { message: 'boom', type: 'server_error' } }, 500) : rawJsonResponse(raw));
    const viaOpenAI = await client.responses.create({ model: 'openai-auto', input: 'Hi' }).withResponse();
    expect(viaOpenAI.data.output_text).toBe('Hi! How can I help?');
    expect(openai.requests.slice(-2).map((r) => r.body.model)).toEqual(['gpt-4o-mini', 'gpt-4o']);
    const first = await gw.waitForRow(viaOpenAI.response);
    expect(JSON.parse(first.attempts!).map((a: any) => [a.model, a.status])).toEqual([['gpt-4o-mini', 502], ['gpt-4o', 200]]);

    // standard-pro: gpt-5.4-mini (OpenAI), then gemini-3-flash-preview, reached through the bridge, streamed too.
    replies['openai /v1/responses'] = () => jsonResponse({ error: { message: 'boom', type: 'server_error' } }, 500);
    replies['gemini /v1beta/models/gemini-3-flash-preview:generateContent'] = async () => rawJsonResponse(await fixture('gemini-text.json'));
    replies['gemini /v1beta/models/gemini-3-flash-preview:streamGenerateContent?alt=sse'] = async () =>
      sse((await lines('gemini-thinking-text.chunks.txt')).map((data) => ({ data })));
    const whole = await client.responses.create({ model: 'standard-pro', input: 'Hi' }).withResponse();
    expect(whole.response.headers.get('x-gophergate-route')).toBe('standard-pro>gemini-3-flash-preview');
    expect(whole.data).toMatchObject({ status: 'completed', model: expect.stringContaining('gemini') });
    const events: any[] = [];
    const { data: stream, response } = await client.responses.create({ model: 'standard-pro', input: 'Hi', stream: true }).withResponse();
    for await (const e of stream) events.push(e);
    expectValidEvents(events);
    expect(events.at(-1)).toMatchObject({ type: 'response.completed', response: { status: 'completed' } });
    for (const ref of [whole.response, response]) {
      const row = await gw.waitForRow(ref);
      expect(row).toMatchObject({ endpoint: 'responses', provider: 'gemini', status: 200 });
      expect(JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])).toEqual([['openai', 502], ['gemini', 200]]);
    }
    // The stored response continues on the bridge.
    expect((await client.responses.retrieve(whole.data.id)).id).toBe(whole.data.id);

    // A request the bridge cannot take (an `include` value it does not know): OpenAI's failure stands, nothing else is asked.
    const geminiCalls = gemini.requests.length;
    const err = await apiError(client.responses.create({ model: 'standard-pro', input: 'Hi', include: ['made.up'] as any }));
    expect(err.status).toBe(502);
    expect(gemini.requests.length).toBe(geminiCalls);
    expect(JSON.parse((await gw.waitForRow(err)).attempts ?? '[{"provider":"openai"}]').map((a: any) => a.provider)).toEqual(['openai']);
  });

  test("an OpenAI model's refusal on the bridge (a follow-up to a bridged response): streamed as refusal events, a message with the refusal part, as the JSON answer has it", async () => {
    replies['deepseek /chat/completions'] = async () => rawJsonResponse(await fixture('deepseek-reasoner-tools.completion.json'));
    const first = await client.responses.create({ model: 'deepseek-chat', input: 'Hi' });
    // OpenAI's chat stream of a refusal (structured outputs), as gpt-4o sends it.
    const head = { id: 'chatcmpl-R1', object: 'chat.completion.chunk', created: 1745400500, model: 'gpt-4o-2024-08-06', service_tier: 'default', system_fingerprint: 'fp_07871e2ad8' };
    const chunk = (delta: object, finish: string | null = null) => JSON.stringify({ ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
    const refusal = "I'm sorry, I can't assist with that request.";
    replies['openai /v1/chat/completions'] = () =>
      sse([
        chunk({ role: 'assistant', content: null, refusal: '' }), chunk({ refusal: "I'm sorry, " }), chunk({ refusal: "I can't assist with that request." }), chunk({}, 'stop'),
        JSON.stringify({ ...head, choices: [], usage: { prompt_tokens: 30, completion_tokens: 10, total_tokens: 40 } }), '[DONE]',
      ].map((data) => ({ data })));
    const events: any[] = [];
    for await (const e of await client.responses.create({ model: 'gpt-4o', previous_response_id: first.id, input: 'Now something bad.', stream: true })) events.push(e);
    expectValidEvents(events);
    expect(events.filter((e) => e.type === 'response.refusal.delta').map((e) => e.delta).join('')).toBe(refusal);
    expect(events.find((e) => e.type === 'response.refusal.done')).toMatchObject({ output_index: 0, content_index: 0, refusal });
    const streamed = events.at(-1).response;
    expect(streamed.output).toEqual([{ type: 'message', id: expect.any(String), status: 'completed', role: 'assistant', content: [{ type: 'refusal', refusal }] }]);
    expect(streamed.usage).toMatchObject({ input_tokens: 30, output_tokens: 10 });
    // The JSON answer to the same refusal holds the same output.
    replies['openai /v1/chat/completions'] = () =>
      jsonResponse({ ...head, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: null, refusal, annotations: [] }, logprobs: null, finish_reason: 'stop' }], usage: { prompt_tokens: 30, completion_tokens: 10, total_tokens: 40 } });
    const whole = await client.responses.create({ model: 'gpt-4o', previous_response_id: first.id, input: 'Now something bad.' });
    expect(whole.output.map(({ id: _, ...o }: any) => o)).toEqual(streamed.output.map(({ id: _, ...o }: any) => o));
  });

  test('a bridged stream cut mid-way ends with response.failed', async () => {
    const chunks = await lines('deepseek-reasoner-text.chunks.txt');
    // The connection drops once the client has seen text: a drop that arrived with the chunks (a
    // fixed pause only makes that unlikely on a loaded machine) would land before the first byte.
    const textSeen = Promise.withResolvers<void>();
    replies['deepseek /chat/completions'] = () => sseResetAfter(chunks, 4, textSeen.promise);
    const { data: stream, response } = await client.responses.create({ model: 'deepseek-chat', input: 'Hello', stream: true }).withResponse();
    const events: any[] = [];
    for await (const e of stream) {
      events.push(e);
      if (e.type === 'response.output_text.delta') textSeen.resolve();
    }
    expectValidEvents(events);
    const last = events.at(-1);
    expect(last.type).toBe('response.failed');
    expect(last.response.status).toBe('failed');
    expect(last.response.error.code).toBe('server_error');
    expect(last.response.output.at(-1)).toMatchObject({ type: 'message', status: 'incomplete', content: [{ text: 'Hello' }] });
    // The usage the row bills for what was delivered (an estimate: the upstream sent none).
    const row = await gw.waitForRow(response);
    expect(row.completionTokens).toBeGreaterThan(0);
    expect(last.response.usage).toMatchObject({ input_tokens: row.promptTokens, output_tokens: row.completionTokens });
  });

  test("an unknown include value on a bridged model is OpenAI's 400 naming it; known ones are accepted", async () => {
    const before = deepseek.requests.length;
    const err = await apiError(client.responses.create({ model: 'deepseek-chat', input: 'Hi', include: ['reasoning.encrypted_content', 'reasoning.encrypted_contents' as any] }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', param: 'include[1]', code: 'invalid_value' });
    expect(err.message).toContain("'reasoning.encrypted_contents'");
    expect(deepseek.requests.length).toBe(before);
    expect(await gw.waitForRow(err)).toMatchObject({ status: 400, endpoint: 'responses' });

    replies['deepseek /chat/completions'] = async () => rawJsonResponse(await fixture('deepseek-reasoner-tools.completion.json'));
    const ok = await client.responses.create({ model: 'deepseek-chat', input: 'Hi', include: ['reasoning.encrypted_content', 'message.output_text.logprobs'] });
    expect(ok.output.length).toBeGreaterThan(0);
  });

  test('built-in tools on a bridged model are a 400 naming the tool; nothing goes upstream', async () => {
    const before = gemini.requests.length;
    const err = await apiError(client.responses.create({ model: 'gemini-2.5-flash', input: 'news?', tools: [{ type: 'web_search' }] }));
    expect(err.status).toBe(400);
    expect(err.message).toContain("'web_search'");
    expect((err.error as any).param).toBe('tools[0]');
    expect(gemini.requests.length).toBe(before);
  });

  test("a conversation or prompt template (objects of OpenAI's project): a group goes to its OpenAI target, whichever its strategy put first; a bridged model alone refuses it naming the field, nothing sent", async () => {
    replies['openai /v1/responses'] = async () => rawJsonResponse(await fixture('openai-response.json'));
    const before = deepseek.requests.length;
    // fast-flow: its heuristic puts deepseek-v4-flash before gpt-5.4-nano for a short prompt.
    for (const extra of [{ conversation: 'conv_68f0a1' }, { prompt: { id: 'pmpt_68f0a1', version: '2' } }]) {
      const res = await client.responses.create({ model: 'fast-flow', input: 'Hi', ...extra }).withResponse();
      expect(res.response.headers.get('x-gophergate-provider')).toBe('openai');
      expect(openai.requests.at(-1)!.body).toMatchObject({ model: 'gpt-5.4-nano', ...extra });
      expect(res.data.output_text).toBe('Hi! How can I help?');
      const alone = await apiError(client.responses.create({ model: 'deepseek-chat', input: 'Hi', ...extra }));
      expect([alone.status, alone.param, alone.code]).toEqual([400, Object.keys(extra)[0], 'unsupported_parameter']);
    }
    expect(deepseek.requests.length).toBe(before);
  });

  test("a tools list that is not one, or an entry that is not a typed object, is a 400 naming it on every model, one row each, nothing sent (OpenAI was sent `{}`; a null entry was 'the built-in tool undefined')", async () => {
    const sent = [openai.requests.length, deepseek.requests.length];
    const cases: [unknown, string][] = [
      [{}, 'tools'],
      ['web_search', 'tools'],
      [[null], 'tools[0]'],
      [[{ type: 'web_search' }, 'x'], 'tools[1]'],
      [[{}], 'tools[0].type'],
      [[{ type: 5 }], 'tools[0].type'],
      [[{ type: '' }], 'tools[0].type'],
    ];
    for (const model of ['gpt-4o-mini', 'deepseek-chat']) {
      for (const [tools, param] of cases) {
        const err = await apiError(client.responses.create({ model, input: 'x', tools } as any));
        expect([err.status, err.param, (err.error as any).type, (err.error as any).code]).toEqual([400, param, 'invalid_request_error', 'invalid_request']);
        expect((err.error as any).message).toStartWith(`Invalid value for '${param}': must be`);
        expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'responses', status: 400 });
      }
    }
    expect([openai.requests.length, deepseek.requests.length]).toEqual(sent);
  });

  test('an unknown previous_response_id is the 400 previous_response_not_found OpenAI answers (BadRequestError); store:false leaves nothing to continue', async () => {
    const err = await apiError(client.responses.create({ model: 'deepseek-chat', previous_response_id: 'resp_nope', input: 'x' }));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', param: 'previous_response_id', code: 'previous_response_not_found' });
    expect(err.message).toContain('resp_nope');

    replies['deepseek /chat/completions'] = async () => rawJsonResponse(await fixture('deepseek-reasoner-tools.completion.json'));
    const unstored = await client.responses.create({ model: 'deepseek-chat', input: 'x', store: false });
    expect((unstored as any).store).toBe(false);
    expect((await apiError(client.responses.create({ model: 'deepseek-chat', previous_response_id: unstored.id, input: 'y' }))).status).toBe(400);
  });

  test('requests refused before any upstream call are logged, each as its own row (as chat logs them)', async () => {
    const refusals: [() => Promise<unknown>, number, string][] = [
      [() => client.responses.create({ model: 'no-such-model', input: 'x' }), 404, 'no-such-model'],
      [() => client.responses.create({ model: 'no-such-model', input: 'x', stream: true }), 404, 'no-such-model'],
      [() => client.responses.create({ input: 'x' } as any), 400, ''],
      [() => client.responses.create({ model: 'gemini-2.5-flash', input: 'news?', tools: [{ type: 'web_search' }] }), 400, 'gemini-2.5-flash'],
      [() => client.responses.create({ model: 'deepseek-chat', previous_response_id: 'resp_nope', input: 'x' }), 400, 'deepseek-chat'],
    ];
    for (const [call, status, modelRequested] of refusals) {
      const err = await apiError(call());
      expect(err.status).toBe(status);
      expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'responses', status, modelRequested, clientId: gw.clientId, promptTokens: 0 });
    }
  });

  test('a text part without a string text is a 400 naming it, nothing sent (not "5" or "[object Object]" upstream)', async () => {
    const sent = deepseek.requests.length;
    const parts: [unknown, string][] = [
      [{ role: 'user', content: [{ type: 'input_text', text: 5 }] }, 'input[0].content[0].text'],
      [{ role: 'user', content: [{ type: 'input_text', text: 'ok' }, { type: 'input_text', text: { a: 1 } }] }, 'input[0].content[1].text'],
      [{ role: 'user', content: [{ type: 'input_text' }] }, 'input[0].content[0].text'],
      [{ role: 'assistant', content: [{ type: 'output_text', text: null }] }, 'input[0].content[0].text'],
      [{ type: 'function_call_output', call_id: 'c', output: [{ type: 'input_text', text: 7 }] }, 'input[0].output[0].text'],
    ];
    for (const [item, param] of parts) {
      const err = await apiError(client.responses.create({ model: 'deepseek-chat', input: [item] } as any));
      expect([err.status, err.param]).toEqual([400, param]);
    }
    expect(deepseek.requests.length).toBe(sent);
  });

  test("a part or field the provider cannot take is refused naming the client's field (input[i].content[j], text.format), not the chat form's", async () => {
    const png = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
    const sent = deepseek.requests.length;
    const input = [
      { role: 'user' as const, content: 'Look.' },
      { type: 'function_call' as const, call_id: 'c1', name: 'shot', arguments: '{}' },
      { type: 'function_call_output' as const, call_id: 'c1', output: 'done' },
      { role: 'user' as const, content: [{ type: 'input_text' as const, text: 'this:' }, { type: 'input_image' as const, image_url: png, detail: 'auto' as const }] },
    ];
    const image = await apiError(client.responses.create({ model: 'deepseek-chat', instructions: 'Be brief.', input }));
    expect([image.status, image.code, image.param]).toEqual([400, 'unsupported_parameter', 'input[3].content[1]']);
    const schema = await apiError(
      client.responses.create({ model: 'deepseek-chat', input: 'Hi', text: { format: { type: 'json_schema', name: 'x', schema: { type: 'object', properties: {} } } } }),
    );
    expect([schema.status, schema.code, schema.param]).toEqual([400, 'unsupported_parameter', 'text.format']);
    expect(deepseek.requests.length).toBe(sent);
  });

  test("a model that is not a string is named as such (not as missing)", async () => {
    const missing = await apiError(client.responses.create({ input: 'x' } as any));
    expect([missing.status, missing.param, (missing.error as any).message]).toEqual([400, 'model', "'model' is required."]);
    const numeric = await apiError(client.responses.create({ model: 123, input: 'x' } as any));
    expect([numeric.status, numeric.param, (numeric.error as any).message]).toEqual([400, 'model', "'model' must be a string."]);
  });

  test('an upstream failure before the stream starts is an OpenAI-shaped error', async () => {
    replies['deepseek /chat/completions'] = () => jsonResponse({ error: { message: 'Insufficient Balance', type: 'unknown_error', code: 'invalid_request_error' } }, 402);
    const err = await apiError(client.responses.create({ model: 'deepseek-chat', input: 'x', stream: true }));
    expect(err.status).toBe(402);
    expect(err.message).toContain('Insufficient Balance');
  });
});
