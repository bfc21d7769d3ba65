/**
 * Fields that Gemini and Anthropic drop or read loosely (store, metadata, prediction, verbosity,
 * a tool's or a json_schema's `strict`, `modalities`) are type-checked as OpenAI checks them: a wrong
 * type is OpenAI's 400 naming the field, before any call, where it used to be ignored silently
 * (`modalities: 'audio'`, a string, slipped past the audio refusal and the answer came in text).
 */
import { expect, test } from 'bun:test';
import { fixtureJson, jsonResponse } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { useFakeProviders } from '../sdk/fake-providers';

let gw: TestGateway;
const { geminiUp, anthropicUp } = useFakeProviders((g) => (gw = g), { gemini: true });
geminiUp.handler = () => jsonResponse(fixtureJson('gemini', 'text.json'));
anthropicUp.handler = () => jsonResponse(fixtureJson('anthropic', 'text.json'));

const tool = (strict: unknown) => [{ type: 'function', function: { name: 'f', strict, parameters: { type: 'object', properties: {} } } }];
const schema = (strict: unknown) => ({ type: 'json_schema', json_schema: { name: 'x', strict, schema: { type: 'object', properties: {} } } });
const BAD: [string, Record<string, unknown>][] = [
  ['store', { store: 'yes' }],
  ['metadata', { metadata: { n: 1 } }],
  ['modalities', { modalities: 'audio' }],
  ['verbosity', { verbosity: 'loud' }],
  ['prediction', { prediction: { type: 'content', content: 5 } }],
  ['tools[0].function.strict', { tools: tool('yes') }],
  ['response_format.json_schema.strict', { response_format: schema('yes') }],
];
const post = (body: unknown) =>
  fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${gw.clientKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

for (const model of ['gemini-2.5-flash', 'claude-sonnet-4-5']) {
  test(`${model}: each wrong type is a 400 naming it, and no call goes up`, async () => {
    const calls = geminiUp.requests.length + anthropicUp.requests.length;
    for (const [param, fields] of BAD) {
      const res = await post({ model, messages: [{ role: 'user', content: 'hi' }], ...fields });
      expect([param, res.status, (await res.json()).error]).toEqual([param, 400, expect.objectContaining({ type: 'invalid_request_error', param })]);
    }
    expect(geminiUp.requests.length + anthropicUp.requests.length).toBe(calls);
  });
}

test('the same fields with right types still reach Gemini (dropped there) and answer 200', async () => {
  const res = await post({
    model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], store: true, metadata: { app: 'x' }, modalities: ['text'], verbosity: 'low',
    tools: tool(true), response_format: schema(false),
  });
  expect(res.status).toBe(200);
  expect(geminiUp.last().body.generationConfig).toMatchObject({ responseMimeType: 'application/json' });
});
