/**
 * A `previous_response_id` to a response OpenAI holds, sent to a group whose strategy puts another
 * provider first: only the group's OpenAI targets can continue it (the gateway keeps no copy), so
 * the group goes to them, as a group given `x_search` goes only to its Grok targets; so does an
 * `item_reference` to one of its output items. Before, the
 * first target (DeepSeek, through the bridge) was tried and the answer was the 400 saying OpenAI
 * holds the response, though the group could continue it. A group without such a target still
 * gets that 400, before any call.
 */
import { expect, test } from 'bun:test';
import OpenAI from 'openai';
import { modelGroups } from '../../src/db/schema';
import { rawJsonResponse, sseEventsResponse as sse } from '../helpers/fake-upstream';
import { apiError, type TestGateway } from '../helpers/start-gateway';
import { fixture, lines, useResponsesRig } from './responses-rig';

let gw: TestGateway;
let client: OpenAI;
const { replies, openai, deepseek } = useResponsesRig((g) => {
  gw = g;
  client = g.openai();
  const now = Date.now();
  // No rules: the heuristic always picks the first target, DeepSeek; OpenAI's model is its fallback.
  for (const [name, targets] of [['ds-then-openai', ['deepseek/deepseek-chat', 'openai/gpt-4o']], ['ds-only', ['deepseek/deepseek-chat', 'deepseek/deepseek-reasoner']]] as const) {
    g.ctx.db.insert(modelGroups).values({ name, strategy: 'heuristic', settings: { rules: [] }, targets: [...targets], updatedAt: now }).run();
  }
  g.ctx.state.reload();
});

test("a group continuing OpenAI's response (or referring to its items) goes to its OpenAI target, streamed or not; a group without one is refused before any call", async () => {
  const raw = await fixture('openai-response.json');
  replies['openai /v1/responses'] = () => rawJsonResponse(raw);
  replies['deepseek /chat/completions'] = async () => rawJsonResponse(await fixture('deepseek-reasoner-tools.completion.json'));
  const first = await client.responses.create({ model: 'gpt-4o', input: 'My secret is heron.' });
  // The group's own choice, without a previous response: DeepSeek.
  const fresh = await client.responses.create({ model: 'ds-then-openai', input: 'Hi' }).withResponse();
  expect(fresh.response.headers.get('x-gophergate-provider')).toBe('deepseek');

  const sentToDeepSeek = deepseek.requests.length;
  const { data, response } = await client.responses.create({ model: 'ds-then-openai', previous_response_id: first.id, input: 'What is my secret?' }).withResponse();
  expect(data.output_text).toBe('Hi! How can I help?');
  expect(response.headers.get('x-gophergate-provider')).toBe('openai');
  expect(openai.requests.at(-1)!.body).toMatchObject({ model: 'gpt-4o', previous_response_id: first.id, input: 'What is my secret?' });
  expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'responses', status: 200, provider: 'openai', model: 'gpt-4o' });

  const sent = (await lines('openai-response-stream.chunks.txt')).map((data) => ({ event: JSON.parse(data).type, data }));
  replies['openai /v1/responses'] = () => sse(sent);
  const got: any[] = [];
  for await (const e of await client.responses.create({ model: 'ds-then-openai', previous_response_id: first.id, input: 'And again?', stream: true })) got.push(e);
  expect(got).toEqual(sent.map((e) => JSON.parse(e.data)));
  expect(openai.requests.at(-1)!.body).toMatchObject({ model: 'gpt-4o', previous_response_id: first.id, stream: true });
  expect(deepseek.requests.length).toBe(sentToDeepSeek);

  // An item reference to one of OpenAI's output items (the AI SDK sends OpenAI's reasoning so): OpenAI resolves it.
  replies['openai /v1/responses'] = () => rawJsonResponse(raw);
  const itemId = first.output[0]!.id!;
  const referred = await client.responses.create({ model: 'ds-then-openai', input: [{ role: 'user', content: 'Go on.' }, { type: 'item_reference', id: itemId }] }).withResponse();
  expect(referred.response.headers.get('x-gophergate-provider')).toBe('openai');
  expect(openai.requests.at(-1)!.body.input).toEqual([{ role: 'user', content: 'Go on.' }, { type: 'item_reference', id: itemId }]);
  expect(deepseek.requests.length).toBe(sentToDeepSeek);

  const err = await apiError(client.responses.create({ model: 'ds-only', previous_response_id: first.id, input: 'What is my secret?' }));
  expect([err.status, err.code, err.param]).toEqual([400, 'unsupported_parameter', 'previous_response_id']);
  expect(err.message).toContain('held by OpenAI');
  expect(deepseek.requests.length).toBe(sentToDeepSeek);
});
