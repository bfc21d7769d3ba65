/**
 * A function_call_output that answers no call of the conversation (a tool loop continued from the
 * wrong previous_response_id, an output sent without its call) is refused as OpenAI refuses it,
 * a 400 naming the item, before any bridged upstream hears of it: DeepSeek and Anthropic answered
 * it in their own words, a lenient upstream with an answer to a question nobody asked.
 */
import { expect, test } from 'bun:test';
import OpenAI from 'openai';
import { rawJsonResponse } from '../helpers/fake-upstream';
import { apiError, type TestGateway } from '../helpers/start-gateway';
import { fixture, useResponsesRig } from './responses-rig';

let gw: TestGateway;
let client: OpenAI;
const { replies, deepseek } = useResponsesRig((g) => {
  gw = g;
  client = g.openai();
});
const tool = { type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false };

test("an output for a call the conversation never made: OpenAI's 400 naming input[i], nothing sent, one row; its own call's output goes on", async () => {
  replies['deepseek /chat/completions'] = async () => rawJsonResponse(await fixture('deepseek-reasoner-tools.completion.json'));
  const first = await client.responses.create({ model: 'deepseek-reasoner', input: 'Weather in Paris?', tools: [tool] });
  const call = first.output.find((o) => o.type === 'function_call')!;
  const sent = deepseek.requests.length;

  const refusals = [
    // Without the conversation: the output alone.
    client.responses.create({ model: 'deepseek-reasoner', tools: [tool], input: [{ role: 'user', content: 'Weather?' }, { type: 'function_call_output', call_id: call.call_id, output: '21C' }] }),
    // Continuing the right response, answering a call it did not make (streamed too).
    client.responses.create({ model: 'deepseek-reasoner', tools: [tool], previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: 'call_other', output: '21C' }] }),
    client.responses.create({ model: 'deepseek-reasoner', tools: [tool], previous_response_id: first.id, stream: true, input: [{ type: 'function_call_output', call_id: call.call_id, output: '21C' }, { type: 'function_call_output', call_id: 'call_other', output: '9C' }] }),
  ];
  const where = ['input[1]', 'input[0]', 'input[1]'];
  for (const [i, refusal] of refusals.entries()) {
    const err = await apiError(refusal);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', param: where[i] });
    expect(err.message).toContain('No tool call found for function call output with call_id');
    expect(await gw.waitForRow(err)).toMatchObject({ endpoint: 'responses', status: 400 });
  }
  expect(deepseek.requests.length).toBe(sent);

  const next = await client.responses.create({ model: 'deepseek-reasoner', tools: [tool], previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: call.call_id, output: '21C' }] });
  expect(next.status).toBe('completed');
  expect(deepseek.requests.length).toBe(sent + 1);
});
