/**
 * Values an upstream controls, read where the gateway turned them into text with String(): an
 * object with its own non-function `toString` key (valid JSON: `{"toString": 1}`) made String()
 * throw, so a field meant to be text became a crash (a 500, a lost log row, a stream cut without
 * its error event). Each case: an upstream sends such a value; the client gets the API's own answer
 * or error, and the request leaves one row.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { chatChunks } from '../../src/proxy/chat-chunks';
import type { StreamEnd } from '../../src/proxy/stream-relay';
import { ApiError } from '../../src/errors/api-error';
import { jsonResponse, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { checkAnswer, checkOneRow } from '../fuzz/fuzz-http-kit';

setDefaultTimeout(30_000);

const HOSTILE = { toString: 1, valueOf: 'x' };
const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }] });
const usage = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 };

let upstream: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  upstream = startFakeUpstream((_req, rec) => {
    const b = rec.body ?? {};
    if (rec.path.endsWith('/chat/completions')) {
      // A tool call whose name is no string (whole answer and stream).
      const call = { id: 'call_1', type: 'function', function: { name: HOSTILE, arguments: '{}' } };
      if (!b.stream) {
        return jsonResponse({ id: 'c1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: 'tool_calls' }], usage });
      }
      return sseResponse([chunk({ role: 'assistant', tool_calls: [{ index: 0, ...call }] }), chunk({}, 'tool_calls'), JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [], usage }), '[DONE]']);
    }
    if (rec.path.endsWith('/responses')) {
      // OpenAI's Responses API: a code interpreter call whose container id is no string.
      return jsonResponse({
        id: 'resp_1', object: 'response', created_at: 1, status: 'completed', model: b.model, error: null, incomplete_details: null,
        output: [
          { type: 'code_interpreter_call', id: 'ci_1', status: 'completed', container_id: HOSTILE, code: 'print(1)', outputs: [] },
          { type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'ok', annotations: [] }] },
        ],
        usage: { input_tokens: 3, input_tokens_details: { cached_tokens: 0 }, output_tokens: 1, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 4 },
      });
    }
    return jsonResponse({ error: { message: 'not found', type: 'invalid_request_error', param: null, code: null } }, 404);
  });
  gw = await startGateway({ env: providerEnv('openai', `${upstream.url}/v1`) });
});
afterAll(async () => {
  await gw?.close();
  upstream?.close();
});

const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }];
const post = (path: string, body: unknown) => gw.fetch(path, { method: 'POST', body: JSON.stringify(body) });

describe('an upstream tool call whose name is no string, bridged to Messages', () => {
  for (const stream of [false, true]) {
    test(`/v1/messages ${stream ? 'stream' : 'JSON'}: the API's own answer or error, one row`, async () => {
      const r = await post('/v1/messages', {
        model: 'openai/gpt-4o-mini', max_tokens: 16, stream, messages: [{ role: 'user', content: 'hi' }],
        tools: [{ name: 'lookup', input_schema: { type: 'object', properties: {} } }],
      });
      await checkAnswer(r, 'anthropic', `messages ${stream}`);
      await checkOneRow(gw, r, `messages ${stream}`);
    });
  }
  test('/v1/chat/completions: the upstream\'s answer relayed, one row', async () => {
    const r = await post('/v1/chat/completions', { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], tools });
    await checkAnswer(r, 'openai', 'chat tool call');
    await checkOneRow(gw, r, 'chat tool call');
  });
});

test("/v1/responses at OpenAI: a code interpreter call whose container id is no string: the answer, one row", async () => {
  const r = await post('/v1/responses', { model: 'openai/gpt-4o-mini', input: 'hi', tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] });
  const { status } = await checkAnswer(r, 'openai', 'responses container');
  expect(status).toBe(200);
  await checkOneRow(gw, r, 'responses container');
  // Billed from the answer's own usage (the fees' String() threw, and the row was estimated instead).
  expect(await gw.waitForRow(r)).toMatchObject({ promptTokens: 3, completionTokens: 1 });
});

test('a relayed chat stream read back (the bridges): an error chunk whose message is no string is a 502, not a TypeError', async () => {
  const text = `data: ${chunk({ content: 'a' })}\n\ndata: ${JSON.stringify({ error: { message: HOSTILE, type: 'server_error' } })}\n\n`;
  const body = new Response(text).body!;
  const ended = Promise.resolve({} as StreamEnd);
  const seen: unknown[] = [];
  let thrown: unknown;
  try {
    for await (const c of chatChunks(body, ended)) seen.push(c);
  } catch (err) {
    thrown = err;
  }
  expect(seen).toHaveLength(1);
  expect(thrown).toBeInstanceOf(ApiError);
  expect((thrown as ApiError).status).toBe(502);
  expect((thrown as ApiError).message).toContain('"toString":1');
});

