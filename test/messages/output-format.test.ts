/**
 * Structured output through /v1/messages to non-Anthropic providers, asked the older way: the
 * structured-outputs beta's top-level `output_format` (which Anthropic still takes, and which
 * older SDKs and raw clients still send) reaches the upstream as its JSON-schema format, as
 * `output_config.format` does; a provider that cannot honour it refuses it by that name.
 * Driven by the official @anthropic-ai/sdk against a fake OpenAI replaying its wire shape.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicClient } from './messages-helpers';
import { modelGroups } from '../../src/db/schema';

const SCHEMA = { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'], additionalProperties: false };
const BETA = { headers: { 'anthropic-beta': 'structured-outputs-2025-11-13' } };

let openai: FakeUpstream;
let deepseek: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  const answer = fixtureJson('openai', 'chat.json');
  answer.choices[0].message.content = '{"answer":4}';
  openai = startFakeUpstream(() => jsonResponse(answer));
  deepseek = startFakeUpstream(() => jsonResponse(fixtureJson('deepseek', 'chat.json')));
  gw = await startGateway({ env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('deepseek', `${deepseek.url}/v1`) } });
  gw.ctx.db.insert(modelGroups).values({ name: 'json-fallback', strategy: 'heuristic', targets: ['deepseek/deepseek-chat', 'openai/gpt-4o-mini'], updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
  client = anthropicClient(gw);
});
afterAll(async () => {
  await gw.close();
  openai.close();
  deepseek.close();
});

const ask = (model: string) =>
  ({
    model,
    max_tokens: 200,
    messages: [{ role: 'user', content: 'What is 2+2? Answer as JSON.' }],
    output_format: { type: 'json_schema', schema: SCHEMA },
  }) as unknown as Anthropic.MessageCreateParamsNonStreaming;

test('top-level output_format goes to OpenAI as response_format json_schema; the answer is the JSON text; one row', async () => {
  const { data, response } = await client.messages.create(ask('gpt-4o-mini'), BETA).withResponse();
  expect(openai.last().body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'output', schema: SCHEMA, strict: true } });
  expect(data.content).toEqual([{ type: 'text', text: '{"answer":4}', citations: null }]);
  expect(JSON.parse((data.content[0] as Anthropic.TextBlock).text)).toEqual({ answer: 4 });
  expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'messages', provider: 'openai', status: 200 });
});

test('output_config.format wins over a top-level output_format', async () => {
  const other = { type: 'object', properties: { x: { type: 'string' } } };
  await client.messages.create({ ...ask('gpt-4o-mini'), output_config: { format: { type: 'json_schema', schema: other } } } as any, BETA);
  expect(openai.last().body.response_format.json_schema.schema).toEqual(other);
});

test('DeepSeek (no JSON schemas) refuses it as output_format, 400 invalid_request_error, nothing sent', async () => {
  const before = deepseek.requests.length;
  const err = await client.messages.create(ask('deepseek-chat'), BETA).catch((e) => e);
  expect(err).toBeInstanceOf(Anthropic.BadRequestError);
  expect(err.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  expect(err.error.error.message).toContain("'output_format'");
  expect(deepseek.requests.length).toBe(before);
  expect((await gw.waitForRow(err)).status).toBe(400);
});

test('a group whose first target is DeepSeek: DeepSeek is passed over (nothing sent), its OpenAI target answers; one row', async () => {
  const before = deepseek.requests.length;
  const { data, response } = await client.messages.create(ask('json-fallback'), BETA).withResponse();
  expect(data.content).toEqual([{ type: 'text', text: '{"answer":4}', citations: null }]);
  expect(response.headers.get('x-gophergate-provider')).toBe('openai');
  expect(openai.last().body.response_format.json_schema.schema).toEqual(SCHEMA);
  expect(deepseek.requests.length).toBe(before);
  expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'messages', provider: 'openai', status: 200 });
});

test('count_tokens takes a request with output_format for any provider', async () => {
  const { model: _m, max_tokens: _t, ...rest } = ask('deepseek-chat') as any;
  const r = await client.messages.countTokens({ model: 'deepseek-chat', ...rest });
  expect(r.input_tokens).toBeGreaterThan(0);
});

test('count_tokens for a non-Claude model counts the output schema and the MCP servers a request sends, as their JSON', async () => {
  const { tokenCounter } = await import('../../src/usage/token-counter');
  const base = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'What is 2+2? Answer as JSON.' }] };
  const count = async (extra: Record<string, unknown>) => (await client.messages.countTokens({ ...base, ...extra } as any)).input_tokens;
  const plain = await count({});
  const [schemaTokens] = await tokenCounter.count([JSON.stringify(SCHEMA)]);
  expect(schemaTokens).toBeGreaterThan(10);
  // Asked either way, the schema counts as what /v1/messages sends: response_format's json_schema.
  expect(await count({ output_config: { format: { type: 'json_schema', schema: SCHEMA } } })).toBe(plain + schemaTokens!);
  expect(await count({ output_format: { type: 'json_schema', schema: SCHEMA } })).toBe(plain + schemaTokens!);
  // An effort alone sends no schema.
  expect(await count({ output_config: { effort: 'low' } })).toBe(plain);
  const servers = [{ type: 'url', url: 'https://mcp.example.com/sse', name: 'example', tool_configuration: { enabled: true, allowed_tools: ['search'] } }];
  const [serverTokens] = await tokenCounter.count([JSON.stringify(servers)]);
  expect(await count({ mcp_servers: servers })).toBe(plain + serverTokens!);
});
