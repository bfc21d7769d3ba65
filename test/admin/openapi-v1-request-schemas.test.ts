/**
 * The /v1 request schemas of /swagger/json say what the gateway takes: a body the document allows
 * is not refused with a 400, and one the gateway refuses for a simple rule (a bound, a word list, an
 * empty list, a missing `type`) is one the document refuses too, so a client generated from it
 * (or checking against it) does not send what is sure to fail. Driven over HTTP on the mock provider.
 */
import { expect, test } from 'bun:test';
import Ajv2020 from 'ajv/dist/2020';
import { useGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
useGateway((g) => (gw = g), { env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });

const user = [{ role: 'user', content: 'hi' }];
const chat = (extra: object) => ({ model: 'mock/echo', messages: user, ...extra });
const messages = (extra: object) => ({ model: 'mock/echo', max_tokens: 10, messages: user, ...extra });
const embed = (extra: object) => ({ model: 'mock/embed', ...extra });

const CASES: [path: string, label: string, body: object][] = [
  ['/v1/chat/completions', 'n 2, temperature 2, top_p 0', chat({ n: 2, temperature: 2, top_p: 0 })],
  ['/v1/chat/completions', 'max_tokens 0', chat({ max_tokens: 0 })],
  ['/v1/chat/completions', 'max_completion_tokens -1', chat({ max_completion_tokens: -1 })],
  ['/v1/chat/completions', 'n 0', chat({ n: 0 })],
  ['/v1/chat/completions', 'n 129', chat({ n: 129 })],
  ['/v1/chat/completions', 'reasoning_effort low', chat({ reasoning_effort: 'low' })],
  ['/v1/chat/completions', 'reasoning_effort an unknown word', chat({ reasoning_effort: 'whatever' })],
  ['/v1/chat/completions', 'response_format json_object', chat({ response_format: { type: 'json_object' } })],
  ['/v1/chat/completions', 'response_format without type', chat({ response_format: {} })],
  ['/v1/chat/completions', 'tool_choice object without type', chat({ tool_choice: {} })],
  ['/v1/chat/completions', 'stop [] and stream_options without stream', chat({ stop: [], stream_options: { include_usage: true } })],
  ['/v1/responses', 'reasoning, temperature 2, max_output_tokens 1', { model: 'mock/echo', input: 'hi', reasoning: { effort: 'low' }, temperature: 2, max_output_tokens: 1 }],
  ['/v1/embeddings', 'token arrays, dimensions, base64, a task type', embed({ input: [[1, 2]], dimensions: 4, encoding_format: 'base64', task_type: 'RETRIEVAL_QUERY' })],
  ['/v1/embeddings', 'input []', embed({ input: [] })],
  ['/v1/embeddings', 'input [[]]', embed({ input: [[]] })],
  ['/v1/embeddings', "input ''", embed({ input: '' })],
  ['/v1/embeddings', 'an unknown task_type', embed({ input: 'hi', task_type: 'X' })],
  ['/v1/messages', 'top_k 0, temperature 1, metadata, stop_sequences []', messages({ top_k: 0, temperature: 1, metadata: { user_id: 'u' }, stop_sequences: [] })],
  ['/v1/messages', 'thinking disabled, tool_choice auto', messages({ thinking: { type: 'disabled' }, tool_choice: { type: 'auto' } })],
  ['/v1/messages', 'messages []', messages({ messages: [] })],
  ['/v1/messages', 'tool_choice without type', messages({ tool_choice: {} })],
  ['/v1/messages', 'thinking without type', messages({ thinking: {} })],
  ['/v1/messages/count_tokens', 'a system string', { model: 'mock/echo', messages: user, system: 's' }],
  ['/v1/messages/count_tokens', 'messages []', { model: 'mock/echo', messages: [] }],
];

test('every spot-checked /v1 body is refused by the gateway exactly when its documented schema refuses it', async () => {
  const doc = (await (await fetch(`${gw.url}/swagger/json`)).json()) as any;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const disagree: string[] = [];
  let refused = 0;
  for (const [path, label, body] of CASES) {
    const schema = doc.paths[path]?.post?.requestBody?.content?.['application/json']?.schema;
    expect(schema).toBeDefined();
    const documented = ajv.validate(schema, body);
    const res = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.clientKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 200 && res.status !== 400) disagree.push(`${path} ${label}: status ${res.status} ${text.slice(0, 160)}`);
    if (res.status === 400) refused++;
    if (documented !== (res.status === 200))
      disagree.push(`${path} ${label}: the document ${documented ? 'allows' : 'refuses'} it, the gateway answered ${res.status} ${text.slice(0, 160)}`);
  }
  // Both kinds are in the table (a gateway that took everything would not pass unseen).
  expect(refused).toBeGreaterThan(5);
  expect(disagree).toEqual([]);
});
