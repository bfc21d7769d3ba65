/**
 * A Claude turn served through the Responses bridge comes back with a `reasoning` item whose
 * encrypted_content is the gateway's own (`gg-thinking-v1:`, Claude's signed thinking). A client
 * gives its output items back as input; when that next turn goes to OpenAI's own /responses (another
 * model named, a group's fallback), the item is left out: OpenAI refuses encrypted content it did
 * not issue (400 invalid_encrypted_content, as the fake below does). OpenAI's own reasoning items go
 * up as they came, and a group that falls back from OpenAI to Claude still gives Claude its thinking.
 * Real gateway, fake upstreams on loopback, the official `openai` client, one log row per request.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { modelGroups } from '../../src/db/schema';
import { fixtureJson, fixtureText, jsonResponse, sseEventsResponse, startFakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { json, queue } from '../anthropic/fake-anthropic';
import { makeToolCallId } from '../../src/providers/gemini/tool-call-id';

const CLAUDE = 'anthropic/claude-sonnet-4-5';
const weatherTool = {
  type: 'function' as const, name: 'get_weather', description: 'Weather for a city', strict: false,
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
/** Encrypted reasoning OpenAI issued (its own `gAAAA…` blobs); anything else it refuses. */
const OPENAI_BLOB = 'gAAAAABoTestOpenAIReasoningBlob0123456789abcdefghijklmnopqrstuvwxyz==';
const openaiReasoning = { id: 'rs_68a1c0f3a1b48190b3c5d7e9f1a2b3c40c1d2e3f4a5b6c7d', type: 'reasoning', summary: [], encrypted_content: OPENAI_BLOB };

/** OpenAI's refusal of a reasoning input item whose encrypted_content it did not issue, or of a call_id past 64 characters (its real wire shapes), or null. */
function unverifiable(s: RecordedRequest): Response | null {
  const input: any[] = Array.isArray(s.body?.input) ? s.body.input : [];
  const long = input.findIndex((item) => typeof item?.call_id === 'string' && item.call_id.length > 64);
  if (long >= 0) {
    const n = input[long].call_id.length;
    return jsonResponse({ error: { message: `Invalid 'input[${long}].call_id': string too long. Expected a string with maximum length 64, but got a string with length ${n} instead.`, type: 'invalid_request_error', param: `input[${long}].call_id`, code: 'string_above_max_length' } }, 400);
  }
  const bad = input.find((item) => item?.type === 'reasoning' && typeof item.encrypted_content === 'string' && item.encrypted_content !== OPENAI_BLOB);
  if (!bad) return null;
  const shown = `${bad.encrypted_content.slice(0, 4)}...${bad.encrypted_content.slice(-4)}`;
  return jsonResponse(
    { error: { message: `The encrypted content ${shown} could not be verified. Reason: Encrypted content could not be decrypted or parsed.`, type: 'invalid_request_error', param: null, code: 'invalid_encrypted_content' } },
    400,
  );
}

const RAW = fixtureText('responses', 'openai-response.json');
const EVENTS = fixtureText('responses', 'openai-response-stream.chunks.txt').trim().split('\n');
/** What the fake OpenAI answers a request it verified, per model (none: a 500). */
let openaiOk: Record<string, (s: RecordedRequest) => Response> = {};
const openai = startFakeUpstream((_req, s) => unverifiable(s) ?? openaiOk[s.body?.model]?.(s) ?? jsonResponse({ error: { message: 'The server had an error', type: 'server_error' } }, 500));
const anthropic = startFakeUpstream();
let gw: TestGateway;
let client: OpenAI;
useGateway(
  (g) => {
    gw = g;
    client = g.openai();
  },
  { env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('anthropic', anthropic.url) } },
);
afterAll(() => {
  openai.close();
  anthropic.close();
});
beforeAll(() => {
  // No heuristic rules: always in this order (the default rules would move a request with tools on).
  const group = (name: string, targets: string[]) => ({ name, strategy: 'heuristic' as const, targets, settings: { rules: [] }, updatedAt: Date.now() });
  gw.ctx.db.insert(modelGroups).values([group('gg-openai-pair', ['gpt-4o-mini', 'gpt-4o']), group('gg-openai-then-claude', ['gpt-4o-mini', CLAUDE])]).run();
  gw.ctx.state.reload();
});
beforeEach(() => {
  gw.ctx.breakers.reset();
  openaiOk = {};
  openai.requests.length = 0;
  anthropic.requests.length = 0;
});

const json200 = () => new Response(RAW, { headers: { 'content-type': 'application/json' } });
const stream200 = () => sseEventsResponse(EVENTS.map((data) => ({ event: JSON.parse(data).type, data })));

/** A Claude turn with signed thinking and a tool call, bridged (store: false): its output items. */
async function claudeTurn(): Promise<any[]> {
  anthropic.handler = queue(json('thinking-tool.json'));
  const first = await client.responses.create({ model: CLAUDE, input: 'Weather in Paris?', tools: [weatherTool], reasoning: { effort: 'low' }, store: false });
  expect(first.output.map((o) => o.type)).toEqual(['reasoning', 'message', 'function_call']);
  expect((first.output[0] as any).encrypted_content).toStartWith('gg-thinking-v1:');
  return first.output;
}

/** The next turn's input: the user's question, the Claude turn's items, the tool's result. */
const nextInput = (output: any[], extra: any[] = []) => [
  { role: 'user', content: 'Weather in Paris?' },
  ...extra,
  ...output,
  { type: 'function_call_output', call_id: output[2].call_id, output: '18 °C, sunny' },
];

describe("a bridged Claude turn's output given back to an OpenAI model", () => {
  test('the fake refuses our reasoning item as OpenAI does (the premise of these tests)', async () => {
    const output = await claudeTurn();
    const res = await fetch(`${openai.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', input: nextInput(output) }) });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('invalid_encrypted_content');
  });

  test('non-stream: OpenAI gets every item but our reasoning one, and answers 200', async () => {
    const output = await claudeTurn();
    openaiOk = { 'gpt-4o': json200 };
    const input = nextInput(output);
    const { data, response } = await client.responses.create({ model: 'gpt-4o', tools: [weatherTool], store: false, input }).withResponse();
    expect(data.output_text).toBe('Hi! How can I help?');
    expect(openai.requests).toHaveLength(1);
    const sent = openai.requests[0]!.body;
    expect(sent.input).toEqual(input.filter((item: any) => item.type !== 'reasoning'));
    expect(JSON.stringify(sent)).not.toContain('gg-thinking-v1:');
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ endpoint: 'responses', status: 200, provider: 'openai', model: 'gpt-4o' });
  });

  test("stream: OpenAI's own reasoning item goes up untouched, ours is left out", async () => {
    const output = await claudeTurn();
    openaiOk = { 'gpt-4o': stream200 };
    const input = nextInput(output, [openaiReasoning, { role: 'assistant', content: 'Earlier answer.' }]);
    const { data: stream, response } = await client.responses.create({ model: 'gpt-4o', store: false, stream: true, input }).withResponse();
    const events: any[] = [];
    for await (const e of stream) events.push(e);
    expect(events.at(-1).type).toBe('response.completed');
    const sent = openai.requests[0]!.body.input;
    expect(sent).toEqual(input.filter((item: any) => item !== output[0]));
    expect(sent[1]).toEqual(openaiReasoning);
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ endpoint: 'responses', status: 200, provider: 'openai', stream: true });
  });

  test("a Gemini turn's calls (their ids carrying its thought signature) given to an OpenAI model, as Codex sends them on a model switch: the ids shortened, each call still paired with its output", async () => {
    openaiOk = { 'gpt-4o': stream200 };
    const geminiId = makeToolCallId('CiQBVKhc7xN0m4QxkQ1b8a2Yy9Xq3PZ0wYtB4lJbq+0e0/1mZf8=='.repeat(6), 'a1b2c3');
    const call = { type: 'function_call', name: 'get_weather', arguments: '{"city":"Paris"}', call_id: geminiId };
    const output = { type: 'function_call_output', call_id: geminiId, output: '18C' };
    const input = [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Weather in Paris?' }] }, call, output];
    const res = await gw.fetch('/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o', tools: [weatherTool], store: false, stream: true, input }) });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('response.completed');
    const sent = openai.requests[0]!.body.input;
    expect(geminiId.length).toBeGreaterThan(64);
    expect(sent[1].call_id.length).toBeLessThanOrEqual(64);
    expect(sent[2].call_id).toBe(sent[1].call_id);
    expect(sent).toEqual([input[0], { ...call, call_id: sent[1].call_id }, { ...output, call_id: sent[1].call_id }]);
    expect((await gw.waitForRow(res)).status).toBe(200);
  });

  test('a request without any of ours goes up as sent', async () => {
    openaiOk = { 'gpt-4o': json200 };
    const input = [{ role: 'user', content: 'Hi' }, openaiReasoning, { role: 'assistant', content: 'Hello.' }, { role: 'user', content: 'Again?' }];
    const { response } = await client.responses.create({ model: 'gpt-4o', store: false, input: input as any }).withResponse();
    expect(openai.requests[0]!.body.input).toEqual(input);
    expect((await gw.waitForRow(response)).status).toBe(200);
  });
});

describe('groups', () => {
  test("OpenAI's next model after a failed one gets the input without our item too", async () => {
    const output = await claudeTurn();
    // gpt-4o-mini answers a 500 (a 502 in the row's tries).
    openaiOk = { 'gpt-4o': json200 };
    const { data, response } = await client.responses.create({ model: 'gg-openai-pair', store: false, tools: [weatherTool], input: nextInput(output) }).withResponse();
    expect(data.output_text).toBe('Hi! How can I help?');
    expect(openai.requests.map((r) => r.body.model)).toEqual(['gpt-4o-mini', 'gpt-4o']);
    for (const r of openai.requests) expect(JSON.stringify(r.body)).not.toContain('gg-thinking-v1:');
    const row = await gw.waitForRow(response);
    expect(JSON.parse(row.attempts!).map((a: any) => [a.model, a.status])).toEqual([['gpt-4o-mini', 502], ['gpt-4o', 200]]);
  });

  test('falling back from OpenAI to Claude: Claude still gets its signed thinking back', async () => {
    const output = await claudeTurn();
    anthropic.handler = queue(json('after-tool.json'));
    const { data, response } = await client.responses.create({ model: 'gg-openai-then-claude', store: false, tools: [weatherTool], reasoning: { effort: 'low' }, input: nextInput(output) }).withResponse();
    expect(data.output_text).toBe('It is 18 °C and sunny in Paris.');
    expect(openai.requests).toHaveLength(1);
    expect(JSON.stringify(openai.requests[0]!.body)).not.toContain('gg-thinking-v1:');
    const thinking = fixtureJson('anthropic', 'thinking-tool.json').content[0];
    expect(anthropic.requests.at(-1)!.body.messages[1].content[0]).toEqual({ type: 'thinking', thinking: thinking.thinking, signature: thinking.signature });
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ status: 200, provider: 'anthropic' });
  });
});
