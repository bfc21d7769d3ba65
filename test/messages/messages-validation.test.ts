/**
 * /v1/messages input Anthropic refuses with 400 invalid_request_error is refused the same way for
 * every target: a malformed `thinking`, a `metadata` that is not an object, an empty turn, an
 * unknown content block type. Driven with the official @anthropic-ai/sdk (and raw bodies the SDK's
 * types would not let through). Rules Anthropic holds on every model are checked before routing,
 * for Anthropic targets too (one row, no upstream call); rules Anthropic's own API may relax (the
 * interleaved-thinking beta's budget, a block type newer than the gateway) are the translator's,
 * and for an Anthropic target Anthropic's own 400 is relayed. One log row each.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { anthropicClient, foldChatChunks } from './messages-helpers';
import { ANTHROPIC_WORDS, SPACE, startRefusalGateway, stopRefusalGateway, user } from './anthropic-refusals';

let openai: FakeUpstream;
let anthropic: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

/** Anthropic's answer to a thinking budget not below max_tokens (its real message). */
const BUDGET_REFUSAL = {
  type: 'error',
  error: { type: 'invalid_request_error', message: '`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size' },
  request_id: 'req_011CVBudgetRefused000001',
};

beforeAll(async () => {
  const answer = foldChatChunks(readChunks('openai', 'text.chunks.txt'));
  openai = startFakeUpstream(() => jsonResponse(answer));
  anthropic = startFakeUpstream((_r, rec) => {
    const t = rec.body?.thinking;
    if (t?.type === 'enabled' && t.budget_tokens >= rec.body.max_tokens) return jsonResponse(BUDGET_REFUSAL, 400);
    return jsonResponse({ type: 'error', error: { type: 'invalid_request_error', message: `fake: unexpected ${JSON.stringify(rec.body)}` } }, 400);
  });
  gw = await startRefusalGateway(openai, anthropic);
  client = anthropicClient(gw);
});
afterAll(() => stopRefusalGateway(gw, openai, anthropic));

const base = (model: string, extra: Record<string, unknown>) => ({ model, max_tokens: 2048, messages: [user('Hello')], ...extra });

/** Refused before routing, for every target: [name, body fields, what the message names]. */
const EVERY_TARGET: [string, Record<string, unknown>, string][] = [
  ['thinking as a string', { thinking: 'enabled' }, 'thinking'],
  ['thinking enabled without budget_tokens', { thinking: { type: 'enabled' } }, 'thinking.enabled.budget_tokens: Field required'],
  ['thinking budget not an integer', { thinking: { type: 'enabled', budget_tokens: '2000' } }, 'thinking.enabled.budget_tokens'],
  ['thinking without a type', { thinking: { budget_tokens: 2000 } }, 'thinking.type'],
  // Anthropic's words for it are not known (its API is said to take -1): the gateway's.
  ['a negative top_k', { top_k: -1 }, 'top_k: must be an integer >= 0'],
  ['metadata a string', { metadata: 'user-1' }, 'metadata'],
  ['metadata an array', { metadata: [{ user_id: 'u' }] }, 'metadata'],
  ['an empty content array', { messages: [user([])] }, 'messages.0: all messages must have non-empty content'],
  ['an empty user turn before an answer', { messages: [user(''), { role: 'assistant', content: 'Hi' }, user('Again')] }, 'messages.0'],
  ['a tool that is not an object', { tools: [null] }, 'tools.0: Input should be a valid dictionary'],
  ['a tool that is a list', { tools: [[{ name: 'weather' }]] }, 'tools.0: Input should be a valid dictionary'],
];

/** Refused by translation for non-Anthropic targets (Anthropic's own API judges them natively). */
const TRANSLATED_ONLY: [string, Record<string, unknown>, string][] = [
  ['thinking budget equal to max_tokens', { thinking: { type: 'enabled', budget_tokens: 2048 } }, BUDGET_REFUSAL.error.message],
  ['thinking of an unknown type', { thinking: { type: 'sometimes' } }, "thinking.type: Input tag 'sometimes'"],
  ['an unknown block in a tool result', {
    messages: [
      user('Weather?'),
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'weather', input: {} }] },
      user([{ type: 'tool_result', tool_use_id: 'toolu_01', content: [{ type: 'hologram', data: 'x' }] }]),
    ],
    tools: [{ name: 'weather', input_schema: { type: 'object' } }],
  }, "messages.2.content.0.tool_result.content.0: Input tag 'hologram' found using 'type' does not match any of the expected tags: 'document', 'image', 'search_result', 'text'"],
  ['an unknown block in a user turn', { messages: [user([{ type: 'video', source: {} }])] }, "content block type 'video'"],
  // US-only inference is a promise only Anthropic keeps: refused rather than served elsewhere.
  ['inference_geo us', { inference_geo: 'us' }, "Inference geography 'us'"],
];

for (const model of ['openai/gpt-4o-mini', 'mock/echo', 'claude-sonnet-4-5']) {
  describe(`Anthropic's words before any call, target ${model}`, () => {
    for (const [name, fields, message] of ANTHROPIC_WORDS) {
      test(name, async () => {
        const calls = openai.requests.length + anthropic.requests.length;
        const { status, json, row } = await refused(base(model, fields));
        expect({ status, json }).toEqual({ status: 400, json: { type: 'error', error: { type: 'invalid_request_error', message, details: { error_code: row.errorType } } } });
        expect(row).toMatchObject({ endpoint: 'messages', status: 400, costUsd: 0 });
        expect(gw.logs.filter((r) => r.requestId === row.requestId)).toHaveLength(1);
        expect(openai.requests.length + anthropic.requests.length).toBe(calls);
      });
    }
  });
}

async function refused(body: Record<string, unknown>) {
  const res = await gw.fetch('/v1/messages', { method: 'POST', body: JSON.stringify(body) });
  const json = (await res.json()) as any;
  const row = await gw.waitForRow(res);
  return { status: res.status, json, row };
}

for (const model of ['openai/gpt-4o-mini', 'mock/echo', 'claude-sonnet-4-5']) {
  describe(`refused before any call, target ${model}`, () => {
    for (const [name, fields, needle] of EVERY_TARGET) {
      test(name, async () => {
        const calls = openai.requests.length + anthropic.requests.length;
        const { status, json, row } = await refused(base(model, fields));
        expect(status).toBe(400);
        expect(json).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining(needle), details: { error_code: expect.any(String) } } });
        // The gateway's code where Anthropic's SDK reads it (`errorCode`), the one its row keeps.
        expect(json.error.details.error_code).toBe(row.errorType);
        expect(row).toMatchObject({ endpoint: 'messages', status: 400, costUsd: 0 });
        expect(openai.requests.length + anthropic.requests.length).toBe(calls);
      });
    }
  });
}

for (const model of ['openai/gpt-4o-mini', 'mock/echo']) {
  describe(`refused by translation, target ${model}`, () => {
    for (const [name, fields, needle] of TRANSLATED_ONLY) {
      test(name, async () => {
        const calls = openai.requests.length;
        const { status, json, row } = await refused(base(model, fields));
        expect(status).toBe(400);
        expect(json).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining(needle), details: { error_code: expect.any(String) } } });
        // The gateway's code where Anthropic's SDK reads it (`errorCode`), the one its row keeps.
        expect(json.error.details.error_code).toBe(row.errorType);
        expect(row).toMatchObject({ endpoint: 'messages', status: 400, costUsd: 0 });
        expect(openai.requests.length).toBe(calls);
      });
    }
  });
}

test('count_tokens refuses a tool that is not an object as /v1/messages does (it was counted), one row', async () => {
  const res = await gw.fetch('/v1/messages/count_tokens', { method: 'POST', body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [user('Hello')], tools: [7] }) });
  expect(res.status).toBe(400);
  expect(await res.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'tools.0: Input should be a valid dictionary', details: { error_code: 'invalid_request' } } });
  expect(await gw.waitForRow(res)).toMatchObject({ endpoint: 'count_tokens', status: 400 });
});

describe('an Anthropic target', () => {
  test('a budget not below max_tokens goes to Anthropic, whose 400 reaches the SDK as it sent it, one row', async () => {
    const err = await client.messages
      .create({ model: 'claude-sonnet-4-5', max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 4096 }, messages: [{ role: 'user', content: 'Hello' }] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('`max_tokens` must be greater than `thinking.budget_tokens`') } });
    expect(anthropic.last().body.thinking).toEqual({ type: 'enabled', budget_tokens: 4096 });
    expect(await gw.waitForRow(err.requestID)).toMatchObject({ endpoint: 'messages', status: 400, provider: 'anthropic' });
  });
});

describe('what Anthropic takes is still taken', () => {
  test('a valid thinking budget, metadata, an empty final assistant turn (a prefill), global inference and fast mode reach the provider', async () => {
    const calls = openai.requests.length;
    const msg = await client.messages.create({
      model: 'openai/gpt-4o-mini', max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, metadata: { user_id: 'u-1' },
      inference_geo: 'global', speed: 'fast',
      messages: [{ role: 'user', content: 'Hello' }, { role: 'assistant', content: [] }],
    });
    expect(msg.type).toBe('message');
    expect(openai.requests.length).toBe(calls + 1);
    expect(openai.last().body.user).toBe('u-1');
  });

  test('tool_reference and browser_state blocks in a tool result are left out, not refused', async () => {
    const msg = await client.messages.create({
      model: 'openai/gpt-4o-mini', max_tokens: 100, tools: [{ name: 'weather', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'weather', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: [{ type: 'text', text: 'Sunny' }, { type: 'tool_reference', tool_name: 'weather' } as any] }] },
      ],
    });
    expect(msg.type).toBe('message');
    expect(openai.last().body.messages.find((m: any) => m.role === 'tool').content).toBe('Sunny');
  });
});

describe('with the SDK', () => {
  test("whitespace-only text is refused as Anthropic refuses it; the SDK's BadRequestError carries Anthropic's message; one row", async () => {
    const calls = openai.requests.length;
    const err = await client.messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'text', text: '   ' }] }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(err.error).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: SPACE, details: { error_code: 'invalid_request' } } });
    expect(await gw.waitForRow(err.requestID)).toMatchObject({ endpoint: 'messages', status: 400 });
    expect(openai.requests.length).toBe(calls);
  });

  test("more stop_sequences than OpenAI takes: refused naming stop_sequences (was OpenAI's 400 naming its `stop`); the mock takes them", async () => {
    const stop_sequences = ['A1', 'B2', 'C3', 'D4', 'E5'];
    const calls = openai.requests.length;
    const err = await client.messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 100, stop_sequences, messages: [{ role: 'user', content: 'Count' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(err.error.error).toEqual({ type: 'invalid_request_error', message: "stop_sequences: provider 'openai' takes at most 4 stop sequences, not 5.", details: { error_code: 'unsupported_parameter' } });
    expect(openai.requests.length).toBe(calls);
    expect(await gw.waitForRow(err.requestID)).toMatchObject({ endpoint: 'messages', status: 400 });
    const ok = await client.messages.create({ model: 'mock/echo', max_tokens: 100, stop_sequences, messages: [{ role: 'user', content: 'Count' }] });
    expect(ok.type).toBe('message');
  });

  test("a model's whitespace before its calls is no text block (JSON and stream), so the turn goes back without Anthropic's 400", async () => {
    const whole = fixtureJson('openai', 'tools.json');
    whole.choices[0].message.content = '\n\n';
    const chunks = readChunks('openai', 'tools.chunks.txt').map((c, i) => {
      if (i !== 0) return c;
      const first = JSON.parse(c);
      first.choices[0].delta.content = '\n\n';
      return JSON.stringify(first);
    });
    const tools = [{ name: 'get_weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }];
    const ask = { model: 'openai/gpt-4o-mini', max_tokens: 200, tools, messages: [{ role: 'user' as const, content: 'Weather in Paris and Tokyo?' }] };
    try {
      openai.handler = () => jsonResponse(whole);
      const json = await client.messages.create(ask);
      openai.handler = () => sseResponse(chunks);
      const streamed = await client.messages.stream(ask).finalMessage();
      for (const m of [json, streamed]) {
        expect(m.content.map((b) => b.type)).toEqual(['tool_use', 'tool_use']);
        openai.handler = () => jsonResponse(foldChatChunks(readChunks('openai', 'text.chunks.txt')));
        const results = m.content.map((b) => ({ type: 'tool_result' as const, tool_use_id: (b as Anthropic.ToolUseBlock).id, content: 'Sunny' }));
        const next = await client.messages.create({ ...ask, messages: [...ask.messages, { role: 'assistant', content: m.content }, { role: 'user', content: results }] });
        expect(next.stop_reason).toBe('end_turn');
        expect(openai.last().body.messages.filter((x: any) => x.role === 'tool')).toHaveLength(2);
      }
    } finally {
      openai.handler = () => jsonResponse(foldChatChunks(readChunks('openai', 'text.chunks.txt')));
    }
  });

  test('what Anthropic takes passes: a prefill without trailing space, an empty failed tool result, a PNG, four cache breakpoints with a 1h ttl, a "\\n\\nHuman:" stop', async () => {
    const calls = openai.requests.length;
    const hour = { type: 'ephemeral' as const, ttl: '1h' as const };
    const msg = await client.messages.create({
      model: 'openai/gpt-4o-mini', max_tokens: 100, stop_sequences: ['\n\nHuman:'],
      system: [{ type: 'text', text: 'Be brief.', cache_control: hour }],
      tools: [{ name: 'weather', input_schema: { type: 'object' }, cache_control: hour }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather?', cache_control: hour }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'weather', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', is_error: true, content: '' }, { type: 'text', text: 'Go on.', cache_control: hour }] },
        { role: 'assistant', content: 'It is' },
      ],
    });
    expect(msg.type).toBe('message');
    expect(openai.requests.length).toBe(calls + 1);
    expect(openai.last().body.stop).toEqual(['\n\nHuman:']);
  });
});
