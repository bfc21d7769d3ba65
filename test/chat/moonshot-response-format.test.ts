/**
 * Moonshot (Kimi) checks a `response_format: {type: "json_schema"}` schema as it checks tool
 * parameters (its "Moonshot Flavored JSON Schema"), so a structured-output schema OpenAI takes
 * (pydantic's `$defs` with a description beside the `$ref`, a `type` beside `anyOf`) fails the
 * request. The gateway rewrites it to the same meaning, or refuses with the tool schemas' 400
 * `unsupported_tool_schema` before the call: on chat, and on /v1/responses (`text.format`,
 * bridged to chat). Official openai client over real HTTP; the fake Kimi refuses as Kimi does and
 * records the body it got.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { moonshotRefusal, sameMeaning, type Node } from '../helpers/moonshot-refusal';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let kimi: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;
beforeAll(async () => {
  kimi = startFakeUpstream((_req, rec) => {
    const schema = rec.body.response_format?.json_schema?.schema;
    const refusal = schema ? moonshotRefusal(schema) : null;
    if (refusal) return jsonResponse({ error: { message: `response_format.json_schema.schema is not a valid moonshot flavored json schema, details: ${refusal}`, type: 'invalid_request_error' } }, 400);
    return jsonResponse(fixtureJson('moonshot', 'chat.json'));
  });
  gw = await startGateway({ env: providerEnv('moonshot', `${kimi.url}/v1`) });
  client = gw.openai();
});
afterAll(async () => {
  await gw.close();
  kimi.close();
});

const model = 'moonshot/kimi-k2-0905-preview';
const messages = [{ role: 'user' as const, content: 'Describe the weather' }];

/** pydantic's shape: `$defs`, a description beside each `$ref`, an Optional field as anyOf with null. */
const PYDANTIC: Node = {
  type: 'object',
  $defs: { Unit: { type: 'string', enum: ['c', 'f'], description: 'A unit' } },
  properties: {
    unit: { $ref: '#/$defs/Unit', description: 'The unit to answer in' },
    city: { anyOf: [{ type: 'string' }, { type: 'null' }], default: null },
    level: { enum: [1, 2, 3] },
  },
  required: ['unit', 'city', 'level'],
  additionalProperties: false,
};
const PYDANTIC_INSTANCES = [{ unit: 'c', city: 'Paris', level: 1 }, { unit: 'k', city: null, level: 2 }, { unit: 'c', city: 3, level: 1 }, { unit: 'c', city: null, level: 4 }, { unit: 'c', level: 1 }];

/** A `type` beside `anyOf` at the root (what zod's unions make), branches with their own properties. */
const TYPE_BESIDE_ANYOF: Node = {
  type: 'object',
  anyOf: [
    { properties: { kind: { const: 'a' }, a: { type: 'string' } }, required: ['kind', 'a'] },
    { properties: { kind: { const: 'b' }, b: { type: 'integer' } }, required: ['kind', 'b'] },
  ],
};
const UNION_INSTANCES = [{ kind: 'a', a: 'x' }, { kind: 'b', b: 1 }, { kind: 'b', b: 'x' }, { kind: 'a' }, 'str', []];

/** additionalProperties beside anyOf whose branches have their own properties: no rewrite keeps its meaning. */
const UNREWRITABLE: Node = {
  type: 'object',
  properties: { a: { type: 'string' } },
  additionalProperties: false,
  anyOf: [{ properties: { a: { type: 'string' } }, required: ['a'] }, { properties: { b: { type: 'string' } }, required: ['b'] }],
};

const jsonSchemaFormat = (schema: Node) => ({ type: 'json_schema' as const, json_schema: { name: 'weather', schema, strict: true } });

describe('chat completions', () => {
  async function sendAndGet(schema: Node): Promise<Node> {
    const before = kimi.requests.length;
    const res = await client.chat.completions.create({ model, messages, response_format: jsonSchemaFormat(schema) }).withResponse();
    expect(res.data.choices[0]!.message.content).toBe('Hello! How can I help?');
    expect(kimi.requests.length).toBe(before + 1);
    expect(await gw.waitForRow(res.response)).toMatchObject({ status: 200, provider: 'moonshot' });
    const format = kimi.last().body.response_format;
    // Only the schema changes: the format's type, name and strict go up as sent.
    expect({ ...format, json_schema: { ...format.json_schema, schema: undefined } }).toEqual({ type: 'json_schema', json_schema: { name: 'weather', strict: true } });
    return format.json_schema.schema;
  }

  test("pydantic's references and an enum without type: rewritten to a schema Kimi takes, of the same meaning", async () => {
    expect(moonshotRefusal(PYDANTIC)).toContain('conflicting keywords found after $ref expansion: description');
    const got = await sendAndGet(PYDANTIC);
    expect(moonshotRefusal(got)).toBeNull();
    expect(JSON.stringify(got)).not.toContain('$ref');
    expect(got.properties.unit).toEqual({ type: 'string', enum: ['c', 'f'], description: 'The unit to answer in' });
    expect(got.properties.level).toEqual({ enum: [1, 2, 3], type: 'integer' });
    sameMeaning(PYDANTIC, got, PYDANTIC_INSTANCES);
  });

  test('a type beside anyOf: moved into each branch', async () => {
    expect(moonshotRefusal(TYPE_BESIDE_ANYOF)).toContain("At path 'root': when using anyOf");
    const got = await sendAndGet(TYPE_BESIDE_ANYOF);
    expect(moonshotRefusal(got)).toBeNull();
    expect(got.type).toBeUndefined();
    expect(got.anyOf.map((b: Node) => b.type)).toEqual(['object', 'object']);
    sameMeaning(TYPE_BESIDE_ANYOF, got, UNION_INSTANCES);
  });

  test('a schema Kimi takes goes up unchanged; json_object too', async () => {
    const plain = { type: 'object', properties: { q: { type: 'string' } }, required: ['q'], additionalProperties: false };
    expect(await sendAndGet(plain)).toEqual(plain);
    await client.chat.completions.create({ model, messages, response_format: { type: 'json_object' } });
    expect(kimi.last().body.response_format).toEqual({ type: 'json_object' });
  });

  test("one that cannot be rewritten: the tool schemas' 400 naming the keyword and the field, no upstream call, logged", async () => {
    const before = kimi.requests.length;
    const err = await apiError(client.chat.completions.create({ model, messages, response_format: jsonSchemaFormat(UNREWRITABLE) }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_tool_schema', param: 'response_format.json_schema.schema' });
    expect(err.message).toContain("refuses this structured-output schema");
    expect(err.message).toContain("'additionalProperties' at 'root'");
    expect(kimi.requests.length).toBe(before);
    expect(await gw.waitForRow(err)).toMatchObject({ status: 400, errorType: 'unsupported_tool_schema' });
  });

  test('streamed: the same rewrite', async () => {
    kimi.handler = (_req, rec) => {
      const refusal = moonshotRefusal(rec.body.response_format.json_schema.schema);
      if (refusal) return jsonResponse({ error: { message: refusal, type: 'invalid_request_error' } }, 400);
      const chunk = (delta: object, finish: string | null = null) => JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'kimi-k2-0905-preview', choices: [{ index: 0, delta, finish_reason: finish }] });
      return new Response(`data: ${chunk({ role: 'assistant', content: '{}' })}\n\ndata: ${chunk({}, 'stop')}\n\ndata: [DONE]\n\n`, { headers: { 'content-type': 'text/event-stream' } });
    };
    try {
      let text = '';
      for await (const c of await client.chat.completions.create({ model, messages, stream: true, response_format: jsonSchemaFormat(PYDANTIC) })) text += c.choices[0]?.delta.content ?? '';
      expect(text).toBe('{}');
      sameMeaning(PYDANTIC, kimi.last().body.response_format.json_schema.schema, PYDANTIC_INSTANCES);
    } finally {
      kimi.handler = () => jsonResponse(fixtureJson('moonshot', 'chat.json'));
    }
  });
});

describe('/v1/responses bridged to Kimi (text.format)', () => {
  const textFormat = (schema: Node) => ({ format: { type: 'json_schema' as const, name: 'weather', schema, strict: true } });

  test('the text.format schema reaches Kimi rewritten, of the same meaning', async () => {
    const before = kimi.requests.length;
    const { data, response } = await client.responses.create({ model, input: 'Describe the weather', text: textFormat(PYDANTIC) }).withResponse();
    expect(data).toMatchObject({ status: 'completed', output_text: 'Hello! How can I help?' });
    expect(kimi.requests.length).toBe(before + 1);
    const format = kimi.last().body.response_format;
    expect(format).toMatchObject({ type: 'json_schema', json_schema: { name: 'weather', strict: true } });
    expect(moonshotRefusal(format.json_schema.schema)).toBeNull();
    sameMeaning(PYDANTIC, format.json_schema.schema, PYDANTIC_INSTANCES);
    expect(await gw.waitForRow(response)).toMatchObject({ status: 200, endpoint: 'responses', provider: 'moonshot' });
  });

  test('one that cannot be rewritten: 400 naming text.format.schema, no upstream call', async () => {
    const before = kimi.requests.length;
    const err = await apiError(client.responses.create({ model, input: 'Describe the weather', text: textFormat(UNREWRITABLE) }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_tool_schema', param: 'text.format.schema' });
    expect(kimi.requests.length).toBe(before);
    expect(await gw.waitForRow(err)).toMatchObject({ status: 400, endpoint: 'responses' });
  });
});
