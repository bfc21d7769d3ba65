/**
 * Moonshot (Kimi) checks tool parameters against its "Moonshot Flavored JSON Schema" and refuses
 * schemas OpenAI takes (MoonshotAI/walle; kimi-cli#1595, #2061, opencode#37496). The gateway
 * rewrites them to the same meaning, or refuses with a clear 400 before the upstream call. Driven
 * with the official openai client over real HTTP against a fake Kimi that refuses them as Kimi
 * does (its 400 `invalid_request_error` "… is not a valid moonshot flavored json schema, details:
 * <At path '…': …>"); the meaning is checked by validating the same instances with ajv against the
 * schema the client sent and the one Kimi got.
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
    for (const t of rec.body.tools ?? []) {
      const refusal = moonshotRefusal(t.function.parameters);
      if (refusal) return jsonResponse({ error: { message: `tools.function.parameters is not a valid moonshot flavored json schema, details: ${refusal}`, type: 'invalid_request_error' } }, 400);
    }
    return jsonResponse(fixtureJson('moonshot', 'tools.json'));
  });
  gw = await startGateway({ env: providerEnv('moonshot', `${kimi.url}/v1`) });
  client = gw.openai();
});
afterAll(async () => {
  await gw.close();
  kimi.close();
});

const model = 'moonshot/kimi-k2-0905-preview';
const messages = [{ role: 'user' as const, content: 'Look it up' }];
const tool = (parameters: Node): OpenAI.ChatCompletionTool => ({ type: 'function', function: { name: 'lookup', description: 'Looks up', parameters } });

async function sendAndGet(parameters: Node) {
  const before = kimi.requests.length;
  const res = await client.chat.completions.create({ model, messages, tools: [tool(parameters)] }).withResponse();
  expect(res.response.status).toBe(200);
  expect(kimi.requests.length).toBe(before + 1);
  expect(await gw.waitForRow(res.response)).toMatchObject({ status: 200, provider: 'moonshot' });
  return kimi.last().body.tools[0].function.parameters as Node;
}

describe('tool schemas Moonshot refuses', () => {
  test('type beside anyOf at the root, with properties both beside and inside (an MCP tool): moved into each branch', async () => {
    const sent = {
      type: 'object',
      properties: { stock_code: { type: 'string', description: 'code' }, year: { type: 'integer' }, report_type: { type: 'string' } },
      required: [],
      anyOf: [
        { properties: { stock_code: {} }, required: ['stock_code'] },
        { properties: { year: {}, report_type: {} }, required: ['year', 'report_type'] },
      ],
    };
    expect(moonshotRefusal(sent)).toContain("At path 'root': when using anyOf");
    const got = await sendAndGet(sent);
    expect(moonshotRefusal(got)).toBeNull();
    expect(got.type).toBeUndefined();
    expect(got.anyOf.map((b: Node) => b.type)).toEqual(['object', 'object']);
    sameMeaning(sent, got, [{}, { stock_code: 'A1' }, { stock_code: 1 }, { year: 2024, report_type: 'q' }, { year: 2024 }, { year: 'x', report_type: 'q' }, 'str', [], { stock_code: 'A', year: 1.5 }]);
  });

  test('a nullable field: type beside anyOf moves in, a branch the type excludes goes', async () => {
    const sent = { type: 'object', properties: { n: { type: ['integer', 'null'], anyOf: [{ type: 'integer' }, { type: 'null' }, { type: 'string' }] } } };
    const got = await sendAndGet(sent);
    expect(got.properties.n).toEqual({ anyOf: [{ type: 'integer' }, { type: 'null' }] });
    sameMeaning(sent, got, [{ n: 1 }, { n: null }, { n: 'x' }, { n: 1.5 }, {}]);
  });

  test('pydantic/zod references ($defs with a description beside the $ref, #/definitions/): inlined', async () => {
    const sent = {
      type: 'object',
      $defs: { Unit: { type: 'string', enum: ['c', 'f'], description: 'A unit' } },
      definitions: { Place: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      properties: { unit: { $ref: '#/$defs/Unit', description: 'The unit to answer in' }, place: { $ref: '#/definitions/Place' } },
      required: ['unit', 'place'],
    };
    expect(moonshotRefusal(sent)).toContain('conflicting keywords found after $ref expansion: description');
    const got = await sendAndGet(sent);
    expect(JSON.stringify(got)).not.toContain('$ref');
    expect(got.properties.unit).toEqual({ type: 'string', enum: ['c', 'f'], description: 'The unit to answer in' });
    sameMeaning(sent, got, [{ unit: 'c', place: { city: 'Paris' } }, { unit: 'k', place: { city: 'Paris' } }, { unit: 'c', place: {} }, { unit: 'c' }]);
  });

  test('an enum without type: its type is read from its values', async () => {
    const sent = { type: 'object', properties: { mode: { enum: ['fast', 'slow'] }, level: { enum: [1, 2, null] } } };
    expect(moonshotRefusal(sent)).toContain('type is not defined');
    const got = await sendAndGet(sent);
    expect(got.properties.mode).toEqual({ enum: ['fast', 'slow'], type: 'string' });
    expect(got.properties.level).toEqual({ enum: [1, 2, null], type: ['integer', 'null'] });
    sameMeaning(sent, got, [{ mode: 'fast' }, { mode: 'x' }, { level: null }, { level: 3 }]);
  });

  test('a schema Moonshot takes goes up unchanged', async () => {
    const sent = { type: 'object', properties: { q: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'query' } }, required: ['q'], additionalProperties: false };
    expect(await sendAndGet(sent)).toEqual(sent);
  });

  test('one that cannot be rewritten to the same meaning: 400 in OpenAI shape naming the keyword, before any upstream call, logged', async () => {
    const before = kimi.requests.length;
    const sent = {
      type: 'object',
      properties: { a: { type: 'string' } },
      additionalProperties: false,
      anyOf: [{ properties: { a: { type: 'string' } }, required: ['a'] }, { properties: { b: { type: 'string' } }, required: ['b'] }],
    };
    const err = await apiError(client.chat.completions.create({ model, messages, tools: [tool({ type: 'object' }), tool(sent)] }));
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_tool_schema', param: 'tools[1].function.parameters' });
    expect(err.message).toContain("'additionalProperties' at 'root'");
    expect(kimi.requests.length).toBe(before);
    expect(await gw.waitForRow(err.headers!.get('x-request-id')!)).toMatchObject({ status: 400, errorType: 'unsupported_tool_schema' });
  });
});
