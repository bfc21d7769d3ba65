/**
 * Anthropic's `stop_reason: "pause_turn"`: it paused a long turn while its server tools (web search)
 * were at work; the answer is not complete. OpenAI's finish_reason has no "paused": chat clients
 * get `length` (not `stop`, which an agent loop takes for a finished turn) with `stop_reason:
 * "pause_turn"` beside it, /v1/responses clients `incomplete` with the reason `pause_turn` (OpenAI's two,
 * max_output_tokens and content_filter, would each send the client the wrong way; no reason at all,
 * `{}`, fails the Vercel AI SDK's schema: test/sdk/ai-sdk-claude-paused-turn.test.ts). Replays Anthropic's wire shape (server_tool_use and web_search_tool_result blocks).
 * Anthropic's other endings that OpenAI's APIs name differently (`refusal`, `model_context_window_exceeded`) are here too.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { openaiSchemaErrors } from '../helpers/openai-schema';
import { json, sse } from './fake-anthropic';

let fake: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;
beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({ env: { ANTHROPIC_API_KEY: 'sk-ant-api03-pause-turn-0123456789', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: fake.url } });
  client = gw.openai();
});
afterAll(async () => {
  await gw?.close();
  fake?.close();
});

const ask = { model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user' as const, content: 'How much solar was added in 2025?' }] };

test('chat: a paused turn finishes as length, not stop; its text is kept', async () => {
  fake.handler = json('pause-turn.json');
  const { data, response } = await client.chat.completions.create(ask).withResponse();
  expect(data.choices[0]!.finish_reason).toBe('length');
  expect((data.choices[0] as any).stop_reason).toBe('pause_turn');
  expect(data.choices[0]!.message.content).toBe("I'll search for the latest figures.");
  expect((await gw.waitForRow(response)).status).toBe(200);
});

test('chat stream: the same, through the SDK stream helper', async () => {
  fake.handler = sse('pause-turn.sse');
  const stream = await client.chat.completions.create({ ...ask, stream: true });
  let last: any;
  for await (const c of stream) if (c.choices[0]?.finish_reason) last = c.choices[0];
  expect(last).toMatchObject({ finish_reason: 'length', stop_reason: 'pause_turn' });
  fake.handler = sse('pause-turn.sse');
  const final = await client.chat.completions.stream(ask).finalChatCompletion();
  expect(final.choices[0]!.finish_reason).toBe('length');
  expect(final.choices[0]!.message.content).toBe("I'll search for the latest figures.");
});

test('responses: a paused turn is an incomplete response, not a completed one', async () => {
  fake.handler = json('pause-turn.json');
  const r = await client.responses.create({ model: ask.model, input: ask.messages[0]!.content });
  expect(r.status).toBe('incomplete');
  // Not max_output_tokens: raising the cap would not help; the client continues the turn.
  expect(r.incomplete_details).toEqual({ reason: 'pause_turn' as any });
  expect(r.output_text).toBe("I'll search for the latest figures.");
  // OpenAI's schema knows two reasons: the third is all it finds (and, for that, incomplete_details not null).
  expect(openaiSchemaErrors('Response', r).filter((e) => !e.startsWith('$/incomplete_details'))).toEqual([]);
  expect(openaiSchemaErrors('Response', r)[0]).toStartWith('$/incomplete_details/reason: must be equal to one of the allowed values');
  // What is stored reads back the same.
  expect((await client.responses.retrieve(r.id)).incomplete_details).toEqual({ reason: 'pause_turn' as any });
});

test('responses stream: response.incomplete with the reason pause_turn, through the SDK', async () => {
  fake.handler = sse('pause-turn.sse');
  const stream = await client.responses.create({ model: ask.model, input: ask.messages[0]!.content, stream: true });
  let final: any;
  for await (const e of stream) if (e.type === 'response.incomplete') final = e.response;
  expect(final.status).toBe('incomplete');
  expect(final.incomplete_details).toEqual({ reason: 'pause_turn' });
  expect(final.output_text ?? final.output[0].content[0].text).toBe("I'll search for the latest figures.");
});

test('a token cap is still max_output_tokens', async () => {
  const body = await Bun.file(`${import.meta.dir}/../fixtures/anthropic/pause-turn.json`).json();
  body.stop_reason = 'max_tokens';
  fake.handler = () => Response.json(body);
  const r = await client.responses.create({ model: ask.model, input: ask.messages[0]!.content });
  expect(r.incomplete_details).toEqual({ reason: 'max_output_tokens' });
});

/** text.sse with its message_delta's stop_reason replaced: Anthropic's stream of a turn that ended so. */
const streamEndingWith = (reason: string) => () =>
  new Response(Bun.file(`${import.meta.dir}/../fixtures/anthropic/text.sse`).stream().pipeThrough(new TextDecoderStream()).pipeThrough(
    new TransformStream<string, string>({ transform: (t, c) => c.enqueue(t.replace('"stop_reason":"end_turn"', `"stop_reason":"${reason}"`)) }),
  ).pipeThrough(new TextEncoderStream()), { headers: { 'content-type': 'text/event-stream' } });

for (const [reason, finish, incomplete] of [
  ['refusal', 'content_filter', { reason: 'content_filter' }],
  // Claude 4.5+ stops here when the prompt and answer fill the window: cut short, as a token cap.
  ['model_context_window_exceeded', 'length', { reason: 'max_output_tokens' }],
] as const) {
  test(`${reason}: chat finish_reason ${finish}, responses incomplete ${incomplete.reason} (JSON and streamed, one row each)`, async () => {
    const body = await Bun.file(`${import.meta.dir}/../fixtures/anthropic/text.json`).json();
    fake.handler = () => Response.json({ ...body, stop_reason: reason });
    const chat = await client.chat.completions.create(ask).withResponse();
    expect(chat.data.choices[0]!.finish_reason).toBe(finish);
    expect((chat.data.choices[0] as any).stop_reason).toBeUndefined();
    const r = await client.responses.create({ model: ask.model, input: ask.messages[0]!.content }).withResponse();
    expect(r.data).toMatchObject({ status: 'incomplete', incomplete_details: incomplete, output_text: '2 + 2 = 4.' });
    expect(openaiSchemaErrors('Response', r.data)).toEqual([]);

    fake.handler = streamEndingWith(reason);
    const final = await client.chat.completions.stream(ask).finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe(finish);
    fake.handler = streamEndingWith(reason);
    const s = await client.responses.create({ model: ask.model, input: ask.messages[0]!.content, stream: true }).withResponse();
    let ended: any;
    for await (const e of s.data) if (e.type === 'response.incomplete' || e.type === 'response.completed') ended = e.response;
    expect(ended).toMatchObject({ status: 'incomplete', incomplete_details: incomplete });
    for (const res of [chat.response, r.response, s.response]) expect((await gw.waitForRow(res)).status).toBe(200);
  });
}
