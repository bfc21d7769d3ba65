/**
 * The query of the stored-response reads, read as OpenAI reads it: `include` (the openai SDK sends
 * `include[]=…`) takes OpenAI's values on a bridged response's retrieve and input item list, as on
 * create (an unknown one is OpenAI's 400 `invalid_value` naming `include[i]`, not silently ignored);
 * `starting_after` is a sequence number in plain decimal digits. Another key learns nothing either
 * way: its read is the 404 whatever the query says.
 */
import { expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { apiError, useGateway, type TestGateway } from '../helpers/start-gateway';
import { schemaErrors } from './openai-schema';

let gw: TestGateway;
let client: OpenAI;
let other: OpenAI;
useGateway(
  (g) => {
    gw = g;
    client = g.openai();
    other = g.openai(g.addClient('another key').key);
  },
  { env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true' } },
);

test("include on retrieve and input_items: OpenAI's values are taken, another is OpenAI's 400 naming it", async () => {
  const created = await client.responses.create({ model: 'mock/echo', input: 'keep me' });
  const got = await client.responses.retrieve(created.id, { include: ['reasoning.encrypted_content', 'message.output_text.logprobs'] });
  expect(got.id).toBe(created.id);
  const items = await client.responses.inputItems.list(created.id, { include: ['message.input_image.image_url'] });
  expect(items.data).toHaveLength(1);

  for (const read of [
    () => client.responses.retrieve(created.id, { include: ['reasoning.encrypted_content', 'reasoning.encrypted_contents' as any] }),
    () => client.responses.inputItems.list(created.id, { include: ['reasoning.encrypted_content', 'reasoning.encrypted_contents' as any] }),
  ]) {
    const err = await apiError(read());
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_value', param: 'include[1]' });
    expect((err.error as any).message).toContain("'reasoning.encrypted_contents'");
    expect(schemaErrors('ErrorResponse', { error: err.error })).toEqual([]);
  }
  // Spelled without brackets (curl's repeated `include=`) it is read the same.
  const plain = await gw.fetch(`/v1/responses/${created.id}?include=message.output_text.logprobs&include=nope`);
  expect(plain.status).toBe(400);
  expect((await plain.json()).error.param).toBe('include[1]');
  // Another key's read is the 404 it always gets: the response's existence is not told by a 400.
  expect((await apiError(other.responses.retrieve(created.id, { include: ['nope' as any] }))).status).toBe(404);
  expect((await apiError(other.responses.inputItems.list(created.id, { include: ['nope' as any] }))).status).toBe(404);
});

test('starting_after is a sequence number in plain decimal digits', async () => {
  const bg = await client.responses.create({ model: 'mock/echo', input: 'in the background', background: true });
  for (const q of ['1e1', '0x2', ' 2', '-1', '2.0', '+2']) {
    const res = await gw.fetch(`/v1/responses/${bg.id}?stream=true&starting_after=${encodeURIComponent(q)}`);
    expect([q, res.status]).toEqual([q, 400]);
    expect((await res.json()).error.param).toBe('starting_after');
  }
  const res = await gw.fetch(`/v1/responses/${bg.id}?stream=true&starting_after=0`);
  expect(res.status).toBe(200);
  const first = /^data: (.+)$/m.exec(await res.text())![1]!;
  expect(JSON.parse(first).sequence_number).toBe(1);
});
