/**
 * Claude's structured outputs and strict tools take schemas with optional properties (`required`
 * naming only some; @anthropic-ai/sdk's jsonSchemaOutputFormat keeps `required` as given and adds
 * `additionalProperties: false`). OpenAI's strict mode does not: every property must be in
 * `required`, every object closed, or the call is OpenAI's 400 "Invalid schema for
 * response_format 'output'" naming a field the Anthropic client never sent. The bridge asks for
 * strict only where the schema is within OpenAI's strict subset. Driven with the official SDK
 * (messages.parse) over real HTTP against a fake OpenAI that judges schemas as OpenAI does.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { jsonSchemaOutputFormat } from '@anthropic-ai/sdk/helpers/json-schema';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicClient } from './messages-helpers';

/** The answer OpenAI gives (every field, as strict or not it may). */
const PARIS = { city: 'Paris', country: 'France', nickname: 'City of Light' };

let openai: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;

/** OpenAI's strict-schema rule for objects, in its words (its 400 for a schema it cannot make strict). */
function strictProblem(node: any, context: string[]): string | null {
  if (!node || typeof node !== 'object') return null;
  if (node.type === 'object') {
    const keys = Object.keys(node.properties ?? {});
    const at = `context=(${context.map((c) => `'${c}'`).join(', ')})`;
    if (node.additionalProperties !== false) return `In ${at}, 'additionalProperties' is required to be supplied and to be false.`;
    const missing = keys.find((k) => !(node.required ?? []).includes(k));
    if (missing) return `In ${at}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing}'.`;
    for (const k of keys) {
      const p = strictProblem(node.properties[k], [...context, 'properties', k]);
      if (p) return p;
    }
  }
  return node.type === 'array' ? strictProblem(node.items, [...context, 'items']) : null;
}

function openaiJudge(_req: Request, rec: RecordedRequest): Response {
  const fail = (message: string, param: string) => jsonResponse({ error: { message, type: 'invalid_request_error', param, code: null } }, 400);
  const rf = rec.body.response_format;
  if (rf?.json_schema?.strict === true) {
    const p = strictProblem(rf.json_schema.schema, []);
    if (p) return fail(`Invalid schema for response_format '${rf.json_schema.name}': ${p}`, 'response_format');
  }
  for (const [i, t] of (rec.body.tools ?? []).entries()) {
    const p = t.function?.strict === true ? strictProblem(t.function.parameters, []) : null;
    if (p) return fail(`Invalid schema for function '${t.function.name}': ${p}`, `tools[${i}].function.parameters`);
  }
  const answer = fixtureJson('openai', 'chat.json');
  answer.choices[0].message.content = JSON.stringify(PARIS);
  return jsonResponse(answer);
}

beforeAll(async () => {
  openai = startFakeUpstream(openaiJudge);
  gw = await startGateway({ env: providerEnv('openai', `${openai.url}/v1`) });
  client = anthropicClient(gw);
});
afterAll(async () => {
  await gw.close();
  openai.close();
});

/** A city with an optional nickname, as a client would declare it (zod's `.optional()`). */
const CITY = {
  type: 'object',
  properties: { city: { type: 'string' }, country: { type: 'string' }, nickname: { type: 'string' } },
  required: ['city', 'country'],
} as const;

test('output_config.format with an optional property: served by OpenAI (not its 400), parsed; one row', async () => {
  const ask = { model: 'openai/gpt-4o-mini', max_tokens: 200, messages: [{ role: 'user' as const, content: 'Capital of France?' }], output_config: { format: jsonSchemaOutputFormat(CITY) } };
  expect((await client.messages.parse(ask)).parsed_output).toEqual(PARIS);
  // The same body through create(), for its x-request-id.
  const { data, response } = await client.messages.create(ask).withResponse();
  expect(JSON.parse((data.content[0] as Anthropic.TextBlock).text)).toEqual(PARIS);
  const rf = openai.last().body.response_format;
  // The client's schema as the SDK sent it (closed, `required` as declared), without strict.
  expect(rf.json_schema.schema).toMatchObject({ required: ['city', 'country'], additionalProperties: false });
  expect(rf.json_schema.strict).not.toBe(true);
  expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'messages', status: 200, provider: 'openai' });
  expect(gw.logs.filter((r) => r.requestId === response.headers.get('x-request-id'))).toHaveLength(1);
});

test('a schema within OpenAI\'s strict subset still goes strict', async () => {
  const whole = { ...CITY, required: ['city', 'country', 'nickname'] } as const;
  const msg = await client.messages.parse({ model: 'openai/gpt-4o-mini', max_tokens: 200, messages: [{ role: 'user', content: 'Capital of France?' }], output_config: { format: jsonSchemaOutputFormat(whole) } });
  expect(msg.parsed_output).toEqual(PARIS);
  expect(openai.last().body.response_format.json_schema.strict).toBe(true);
});

test('a strict tool with an optional parameter (nested in an array too): served, strict left out for it; a closed one keeps it', async () => {
  const open = { type: 'object' as const, properties: { stops: { type: 'array', items: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'], additionalProperties: false } } }, required: ['stops'], additionalProperties: false };
  const closed = { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
  const { data, response } = await client.messages
    .create({
      model: 'openai/gpt-4o-mini', max_tokens: 200, messages: [{ role: 'user', content: 'Plan a trip.' }],
      tools: [{ name: 'plan_trip', strict: true, input_schema: open }, { name: 'weather', strict: true, input_schema: closed }],
    })
    .withResponse();
  expect(data.type).toBe('message');
  const tools = openai.last().body.tools;
  expect(tools[0].function.strict).toBeUndefined();
  expect(tools[0].function.parameters).toEqual(open);
  expect(tools[1].function.strict).toBe(true);
  expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'messages', status: 200 });
});
