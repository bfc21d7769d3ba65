/**
 * GET /v1/responses/{id}/input_items for the input shapes a client sends, through the real
 * gateway over HTTP (the mock provider answers), each page validated by Ajv against OpenAI's
 * ResponseItemList (test/helpers/openai-schema.ts): an image without `detail` is listed with
 * OpenAI's default `auto` (the schema requires the field, and OpenAI's own listing has it), in a
 * message and in a function call's output alike; a `detail` the client chose stays as it was.
 */
import { expect, test } from 'bun:test';
import { openaiSchemaErrors } from '../helpers/openai-schema';
import { useGateway, type TestGateway } from '../helpers/start-gateway';
import { PNG_BASE64 } from '../chat/provider-cases';

let gw: TestGateway;
useGateway((g) => (gw = g), { env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } });

const image = (detail?: string) => ({ type: 'input_image', image_url: `data:image/png;base64,${PNG_BASE64}`, ...(detail ? { detail } : {}) });

const INPUTS: [string, unknown[]][] = [
  ['a message with an image, no detail', [{ role: 'user', content: [{ type: 'input_text', text: 'What is this?' }, image()] }]],
  ['a message with an image, detail high', [{ role: 'user', content: [{ type: 'input_text', text: 'What is this?' }, image('high')] }]],
  [
    "a function call's output with an image, no detail",
    [
      { role: 'user', content: 'Take a screenshot' },
      { type: 'function_call', call_id: 'call_1', name: 'screenshot', arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_1', output: [{ type: 'input_text', text: 'here it is' }, image()] },
    ],
  ],
  [
    'assistant turns, a reasoning item and a plain string',
    [
      { role: 'user', content: 'Hi' },
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'A greeting.' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello!', annotations: [] }] },
      { role: 'assistant', content: 'Anything else?' },
      { role: 'user', content: 'No' },
    ],
  ],
  [
    'a reasoning item sent back without its id (listed with an rs_ id, as OpenAI names them)',
    [
      { role: 'user', content: 'Hi' },
      { type: 'reasoning', summary: [], encrypted_content: 'gAAAAB' },
      { role: 'user', content: 'Again' },
    ],
  ],
];

for (const [name, input] of INPUTS) {
  test(name, async () => {
    const res = await gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify({ model: 'mock/echo', input }) });
    expect(res.status).toBe(200);
    const { id } = await res.json();
    const list = await (await gw.fetch(`/v1/responses/${id}/input_items?order=asc`)).json();
    expect(openaiSchemaErrors('ResponseItemList', list)).toEqual([]);
    expect(list.data).toHaveLength(input.length);
    // Every image listed with a detail: the client's, else `auto`.
    const parts = list.data.flatMap((item: any) => [...(Array.isArray(item.content) ? item.content : []), ...(Array.isArray(item.output) ? item.output : [])]);
    const sent = JSON.stringify(input).includes('"detail":"high"') ? 'high' : 'auto';
    for (const p of parts.filter((p: any) => p.type === 'input_image')) expect(p.detail).toBe(sent);
  });
}
