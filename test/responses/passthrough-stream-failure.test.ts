/**
 * A /v1/responses stream passed through to OpenAI that OpenAI ends with its own failure (an
 * `error` event, or `response.failed`) is relayed as it came, and its one log row says it
 * failed (not 200): usage summaries count it as an error, and a server-side failure counts
 * against the model's circuit. A stream of unnamed events cut short still bills what it delivered.
 * Real gateway, fake OpenAI on loopback, rows by request id.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'bun:test';
import { readChunks, sseEventsResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let openai: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  openai = startFakeUpstream();
  gw = await startGateway({ env: providerEnv('openai', `${openai.url}/v1`) });
});
afterAll(async () => {
  await gw.close();
  openai.close();
});
beforeEach(() => gw.ctx.breakers.reset());

const created = { event: 'response.created', data: JSON.stringify({ type: 'response.created', sequence_number: 0, response: { id: 'resp_failing1', object: 'response', status: 'in_progress', model: 'gpt-4o-mini', output: [] } }) };
const post = () => gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, input: 'hi' }) });

test("OpenAI's error event: relayed as it came, the row is a 502 naming OpenAI's code, the circuit counts it", async () => {
  const error = { event: 'error', data: JSON.stringify({ type: 'error', code: 'server_error', message: 'The server had an error processing your request.', param: null, sequence_number: 1 }) };
  openai.handler = () => sseEventsResponse([created, error]);
  const res = await post();
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('The server had an error processing your request.');
  const row = await gw.waitForRow(res);
  expect(row).toMatchObject({ status: 502, errorType: 'server_error', model: 'gpt-4o-mini', costUsd: 0 });
  expect(row.error).toContain('The server had an error processing your request.');
  expect(gw.ctx.breakers.list().map((b) => [b.key, b.failures])).toContainEqual(['openai/gpt-4o-mini', 1]);
});

test('response.failed with an error of the request\'s own: the row says so, no circuit failure', async () => {
  const failed = {
    event: 'response.failed',
    data: JSON.stringify({
      type: 'response.failed', sequence_number: 1,
      response: { id: 'resp_failing2', object: 'response', status: 'failed', model: 'gpt-4o-mini', output: [], error: { code: 'invalid_prompt', message: 'Invalid prompt: flagged.' }, usage: { input_tokens: 7, output_tokens: 0, total_tokens: 7, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } } },
    }),
  };
  openai.handler = () => sseEventsResponse([created, failed]);
  const res = await post();
  await res.text();
  const row = await gw.waitForRow(res);
  expect(row).toMatchObject({ status: 400, errorType: 'invalid_prompt', promptTokens: 7 });
  expect(gw.ctx.breakers.list()).toEqual([]);
});

test('a stream of data lines alone (no `event:` names) cut before its terminal event: billed the prompt and the text it delivered', async () => {
  // OpenAI's recorded stream without its last event (response.completed), each event unnamed, as some OpenAI-compatible servers send them.
  const data = readChunks('responses', 'openai-response-stream.chunks.txt').slice(0, -1);
  openai.handler = () => sseEventsResponse(data.map((d) => ({ data: d })));
  const res = await post();
  expect(await res.text()).toContain('"type":"response.output_text.delta"');
  const row = await gw.waitForRow(res);
  expect(row).toMatchObject({ status: 502, estimated: true });
  expect(row.promptTokens).toBeGreaterThan(0);
  expect(row.completionTokens).toBeGreaterThan(0);
  expect(row.costUsd).toBeGreaterThan(0);
});
