/**
 * POST /v1/responses/input_tokens and POST /v1/responses/compact (what Codex CLI and the openai SDK
 * call beside /v1/responses): OpenAI's models go to OpenAI's own endpoints, every other model is
 * counted by the gateway's tokenizer or compacted by asking the routed model for a summary, whose
 * `gg-compaction-v1:` item given back as input is that summary for any model. Real gateway over
 * HTTP, the official `openai` client (`responses.inputTokens.count`, `responses.compact`), fake
 * upstreams on loopback answering OpenAI's and DeepSeek's wire shapes, one log row per request
 * picked by x-request-id.
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { fixtureJson, fixtureText, jsonResponse, startFakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { apiError, providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { limitedClient } from '../limits/limits-helpers';
import { openaiSchemaErrors } from '../helpers/openai-schema';
import { ADMIN_PASSWORD, api, login } from '../helpers/admin-harness';

const COUNT = fixtureJson('responses', 'openai-input-tokens.json');
const COMPACTED = fixtureText('responses', 'openai-compact.json');
const RESPONSE = fixtureText('responses', 'openai-response.json');
const SUMMARY = 'The user is planning a launch; the checklist has 3 items left: docs, pricing page, press kit.';

/** OpenAI's fake: its three Responses endpoints in OpenAI's wire shapes (the compaction blob is OpenAI's alone). */
const openai = startFakeUpstream((_req, s: RecordedRequest) => {
  if (s.path === '/v1/responses/input_tokens' && s.body?.model === 'gpt-4o-mini') return jsonResponse({ error: { message: 'The server is overloaded', type: 'server_error', param: null, code: null } }, 503);
  if (s.path === '/v1/responses/input_tokens') return jsonResponse(COUNT);
  if (s.path === '/v1/responses/compact') return new Response(COMPACTED, { headers: { 'content-type': 'application/json' } });
  if (s.path === '/v1/responses') return new Response(RESPONSE, { headers: { 'content-type': 'application/json' } });
  return jsonResponse({ error: { message: 'Unknown path', type: 'invalid_request_error' } }, 404);
});
/** DeepSeek's fake: a chat completion whose content is the summary asked for. */
const deepseek = startFakeUpstream(() => {
  const answer = fixtureJson('deepseek', 'chat.json');
  answer.choices[0].message.content = SUMMARY;
  return jsonResponse(answer);
});
let gw: TestGateway;
let client: OpenAI;
useGateway(
  (g) => {
    gw = g;
    client = g.openai();
  },
  // xAI's Responses API is OpenAI's fake too (a response it holds: the last test).
  { env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('grok', `${openai.url}/v1`), ...providerEnv('deepseek', `${deepseek.url}/v1`) } },
);
afterAll(() => {
  openai.close();
  deepseek.close();
});
beforeEach(() => {
  openai.requests.length = 0;
  deepseek.requests.length = 0;
});

const conversation = [
  { role: 'user' as const, content: 'Summarize our launch checklist from last week.' },
  { role: 'assistant' as const, content: 'Docs, pricing page, press kit and a blog post; the blog post is done.' },
  { role: 'user' as const, content: 'What is left?' },
];
const weatherTool = {
  type: 'function' as const, name: 'get_weather', description: 'Weather for a city', strict: false,
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('POST /v1/responses/input_tokens', () => {
  test("an OpenAI model: OpenAI's own count, its body as sent, one free count_tokens row", async () => {
    const body = { model: 'gpt-4o', instructions: 'Be brief.', input: conversation, tools: [weatherTool] };
    const { data, response } = await client.responses.inputTokens.count(body).withResponse();
    expect(data).toEqual({ object: 'response.input_tokens', input_tokens: 1234 });
    expect(openai.requests.map((r) => r.path)).toEqual(['/v1/responses/input_tokens']);
    expect(openai.requests[0]!.body).toEqual(body);
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ endpoint: 'count_tokens', status: 200, provider: 'openai', model: 'gpt-4o', costUsd: 0, promptTokens: 0 });
  });

  test("a bridged model: the gateway's own count, no upstream call; tools and longer input count more", async () => {
    const count = (body: Record<string, unknown>) => client.responses.inputTokens.count({ model: 'deepseek-chat', ...body }).withResponse();
    const { data, response } = await count({ input: conversation });
    expect(data.object).toBe('response.input_tokens');
    expect(data.input_tokens).toBeGreaterThan(20);
    expect(data.input_tokens).toBeLessThan(80);
    const withTools = (await count({ input: conversation, tools: [weatherTool] })).data.input_tokens;
    const withInstructions = (await count({ input: conversation, instructions: 'Answer as a pirate would, in three sentences at most.' })).data.input_tokens;
    expect(withTools).toBeGreaterThan(data.input_tokens + 10);
    expect(withInstructions).toBeGreaterThan(data.input_tokens + 5);
    // Instructions alone are counted too (OpenAI takes a count without input).
    expect((await count({ instructions: 'Be brief.' })).data.input_tokens).toBeGreaterThan(0);
    expect(deepseek.requests).toHaveLength(0);
    expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'count_tokens', status: 200, provider: 'deepseek', costUsd: 0 });
  });

  test('bad input: a 400 in OpenAI\'s shape naming the field, and its row', async () => {
    const err = await apiError(client.responses.inputTokens.count({ model: 'deepseek-chat', input: 5 as any }));
    expect([err.status, err.param]).toEqual([400, 'input']);
    expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'count_tokens', status: 400 });
    const streamed = await apiError(client.responses.inputTokens.count({ model: 'gpt-4o', input: 'Hi', stream: true } as any));
    expect([streamed.status, streamed.param, streamed.code]).toEqual([400, 'stream', 'unsupported_parameter']);
    expect(openai.requests).toHaveLength(0);
  });

  test("OpenAI's 503: the client's status is the row's (not Anthropic's 529, which count_tokens rows say for Anthropic's clients)", async () => {
    const err = await apiError(client.responses.inputTokens.count({ model: 'gpt-4o-mini', input: 'Hi' }));
    expect(err.status).toBeGreaterThanOrEqual(502);
    expect((await gw.waitForRow(err)).status).toBe(err.status!);
    gw.ctx.breakers.reset();
  });

  test('an unknown model: 404 and one row', async () => {
    const err = await apiError(client.responses.inputTokens.count({ model: 'no-such-model-anywhere', input: 'Hi' }));
    expect(err.status).toBe(404);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', param: 'model' });
    expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'count_tokens', status: 404 });
  });
});

describe('POST /v1/responses/compact', () => {
  test("an OpenAI model: OpenAI's compaction as it came, billed like a response", async () => {
    const { data, response } = await client.responses.compact({ model: 'gpt-4o', input: conversation, instructions: 'Be brief.' }).withResponse();
    expect(data).toEqual(JSON.parse(COMPACTED));
    expect(openai.requests.map((r) => r.path)).toEqual(['/v1/responses/compact']);
    expect(openai.requests[0]!.body).toEqual({ model: 'gpt-4o', input: conversation, instructions: 'Be brief.' });
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ endpoint: 'responses', status: 200, provider: 'openai', promptTokens: 139, completionTokens: 438, reasoningTokens: 64 });
    expect(row.costUsd).toBeGreaterThan(0);
  });

  test('a bridged model: the model writes the summary; the user messages are kept, then one gg-compaction-v1 item', async () => {
    const { data, response } = await client.responses.compact({ model: 'deepseek-chat', input: conversation, instructions: 'Be brief.', tools: [weatherTool] } as any).withResponse();
    expect(data.object).toBe('response.compaction');
    expect(data.id).toMatch(/^resp_[0-9a-f]{48}$/);
    expect(data.output.map((o: any) => o.type)).toEqual(['message', 'message', 'compaction']);
    expect(data.output.slice(0, 2).map((o: any) => [o.role, o.content[0].text])).toEqual([['user', conversation[0]!.content], ['user', conversation[2]!.content]]);
    const item = data.output[2] as any;
    expect(item.id).toMatch(/^cmp_/);
    // OpenAI's schemas of a compaction item and of the message items it keeps (its spec, vendored).
    expect(openaiSchemaErrors('CompactionBody', item)).toEqual([]);
    for (const m of data.output.slice(0, 2)) expect(openaiSchemaErrors('InputMessageResource', m)).toEqual([]);
    expect(item.encrypted_content).toStartWith('gg-compaction-v1:');
    expect(item.encrypted_content).not.toContain(SUMMARY);
    expect(data.usage).toMatchObject({ input_tokens: 24, output_tokens: 58, total_tokens: 82 });
    // The model was asked for a summary after the whole conversation, with tools it may not call.
    const sent = deepseek.requests[0]!.body;
    expect(sent.messages.find((m: any) => m.content === 'Be brief.')).toEqual({ role: 'system', content: 'Be brief.' });
    expect(sent.messages.at(-1).role).toBe('user');
    expect(sent.messages.at(-1).content).toContain('Compact the conversation above');
    expect(sent.messages.filter((m: any) => m.role !== 'system')).toEqual([...conversation, sent.messages.at(-1)]);
    expect(sent.tool_choice).toBe('none');
    expect(sent.tools.map((t: any) => t.function.name)).toEqual(['get_weather']);
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ endpoint: 'responses', status: 200, provider: 'deepseek', promptTokens: 24, completionTokens: 58 });
  });

  test("a conversation past the model's window: its oldest turns go from the summary request (instructions and the prompt kept), not a context-length error; every user message is kept", async () => {
    const admin = await login(gw, 'admin', ADMIN_PASSWORD);
    expect((await api(gw, 'PATCH', '/api/models/deepseek-chat', { as: admin, body: { context_window: 450 } })).status).toBe(200);
    try {
      const long = (word: string) => `${word} `.repeat(200).trim();
      const input = [
        { role: 'user' as const, content: long('alpha') },
        { role: 'assistant' as const, content: long('beta') },
        { role: 'user' as const, content: 'What is left?' },
      ];
      const data = await client.responses.compact({ model: 'deepseek-chat', input, instructions: 'Be brief.' });
      const sent = deepseek.requests[0]!.body.messages.filter((m: any) => m.content !== 'Always respond in English.');
      expect(sent[0]).toEqual({ role: 'system', content: 'Be brief.' });
      expect(sent.some((m: any) => m.content === long('alpha'))).toBe(false);
      expect(sent.at(-2)).toEqual({ role: 'user', content: 'What is left?' });
      expect(sent.at(-1).content).toContain('Compact the conversation above');
      // The user's own messages are kept whole in the compaction (as OpenAI keeps them).
      expect(data.output.filter((o: any) => o.type === 'message').map((o: any) => o.content[0].text)).toEqual([long('alpha'), 'What is left?']);
    } finally {
      expect((await api(gw, 'PATCH', '/api/models/deepseek-chat', { as: admin, body: { context_window: null } })).status).toBe(200);
    }
  });

  test('the compaction sent back as input is the summary: as a user turn for a bridged model, as a message item for OpenAI', async () => {
    const { output } = await client.responses.compact({ model: 'deepseek-chat', input: conversation });
    const next = [...output, { role: 'user' as const, content: 'Go on with the press kit.' }] as any[];
    deepseek.requests.length = 0;
    const bridged = await client.responses.create({ model: 'deepseek-chat', input: next, store: false });
    expect(bridged.status).toBe('completed');
    // (DeepSeek's adapter puts its own system message first.)
    const messages = deepseek.requests[0]!.body.messages.filter((m: any) => m.role !== 'system');
    expect(messages.map((m: any) => m.role)).toEqual(['user', 'user', 'user', 'user']);
    expect(messages[2].content).toContain(SUMMARY);
    expect(messages[3].content).toBe('Go on with the press kit.');
    expect(JSON.stringify(messages)).not.toContain('gg-compaction-v1');

    const native = await client.responses.create({ model: 'gpt-4o', input: next, store: false });
    expect(native.status).toBe('completed');
    const sent = openai.requests.at(-1)!.body.input;
    expect(sent[2]).toEqual({ type: 'message', role: 'user', content: [{ type: 'input_text', text: expect.stringContaining(SUMMARY) }] });
    expect(JSON.stringify(sent)).not.toContain('gg-compaction-v1');
  });

  test('a bridged conversation continued by previous_response_id is compacted from the store', async () => {
    const first = await client.responses.create({ model: 'deepseek-chat', input: 'Plan the launch of the press kit.' });
    deepseek.requests.length = 0;
    const { output } = await client.responses.compact({ model: 'deepseek-chat', previous_response_id: first.id });
    expect(output.map((o: any) => o.type)).toEqual(['message', 'compaction']);
    expect((output[0] as any).content).toEqual([{ type: 'input_text', text: 'Plan the launch of the press kit.' }]);
    const sent = deepseek.requests[0]!.body.messages.filter((m: any) => m.role !== 'system');
    expect(sent.map((m: any) => m.role)).toEqual(['user', 'assistant', 'user']);
    // Another key cannot compact it: OpenAI's 400 for a response it does not hold.
    const other = gw.addClient('other-key');
    const err = await apiError(gw.openai(other.key).responses.compact({ model: 'deepseek-chat', previous_response_id: first.id }));
    expect([err.status, err.code]).toEqual([400, 'previous_response_not_found']);
  });

  test("OpenAI's encrypted compaction given to a bridged model: a 400 naming the item, no call", async () => {
    const { output } = await client.responses.compact({ model: 'gpt-4o', input: conversation });
    const err = await apiError(client.responses.create({ model: 'deepseek-chat', input: [...output, { role: 'user', content: 'Go on.' }] as any }));
    expect([err.status, err.param, err.code]).toEqual([400, 'input[1]', 'unsupported_input_item']);
    expect(deepseek.requests).toHaveLength(0);
  });

  test('bad input (nothing to compact, streaming) and an unknown model: errors in OpenAI\'s shape, one row each', async () => {
    const empty = await apiError(client.responses.compact({ model: 'deepseek-chat', input: [] }));
    expect([empty.status, empty.param]).toEqual([400, 'input']);
    expect(await gw.waitForRow(empty)).toMatchObject({ endpoint: 'responses', status: 400 });
    const streamed = await apiError(client.responses.compact({ model: 'deepseek-chat', input: 'Hi', stream: true } as any));
    expect([streamed.status, streamed.param]).toEqual([400, 'stream']);
    const unknown = await apiError(client.responses.compact({ model: 'no-such-model-anywhere', input: 'Hi' }));
    expect(unknown.status).toBe(404);
    expect(await gw.waitForRow(unknown)).toMatchObject({ endpoint: 'responses', status: 404 });
    expect(deepseek.requests).toHaveLength(0);
  });
});

test("a key's model allow-list refuses both endpoints (403 model_not_allowed), before any call", async () => {
  const narrow = await limitedClient(gw, 'openai-only', { models: ['openai/*'] });
  const c = gw.openai(narrow.key);
  const count = await apiError(c.responses.inputTokens.count({ model: 'deepseek-chat', input: 'Hi' }));
  expect([count.status, count.code]).toEqual([403, 'model_not_allowed']);
  expect(await gw.waitForRow(count)).toMatchObject({ endpoint: 'count_tokens', status: 403 });
  const compact = await apiError(c.responses.compact({ model: 'deepseek-chat', input: 'Hi' }));
  expect([compact.status, compact.code]).toEqual([403, 'model_not_allowed']);
  expect(await gw.waitForRow(compact)).toMatchObject({ endpoint: 'responses', status: 403 });
  // The models it allows are served.
  expect((await c.responses.inputTokens.count({ model: 'gpt-4o', input: 'Hi' })).input_tokens).toBe(1234);
  expect(deepseek.requests).toHaveLength(0);
});

test('a response xAI holds is neither counted nor compacted (its API has neither): a 400 that says so, no call', async () => {
  const made = await client.responses.create({ model: 'grok-4.3', input: 'Hi' });
  openai.requests.length = 0;
  const count = await apiError(client.responses.inputTokens.count({ model: 'grok-4.3', previous_response_id: made.id, input: 'More' }));
  expect([count.status, count.param, count.code]).toEqual([400, 'previous_response_id', 'unsupported_parameter']);
  expect(count.message).toContain('whose API has no input token count');
  const compact = await apiError(client.responses.compact({ model: 'grok-4.3', previous_response_id: made.id }));
  expect([compact.status, compact.param, compact.code]).toEqual([400, 'previous_response_id', 'unsupported_parameter']);
  expect(compact.message).toContain('whose API has no compaction');
  expect(await gw.waitForRow(compact)).toMatchObject({ endpoint: 'responses', status: 400 });
  expect(openai.requests).toHaveLength(0);
});
