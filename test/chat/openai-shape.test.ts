/**
 * Every OpenAI-compatible adapter turns its provider's recorded answers into objects that
 * validate against OpenAI's own schemas (required fields such as `message.refusal` filled in),
 * and keeps the upstream's bytes when nothing was missing.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { fillChunkShape, fillCompletionShape } from '../../src/providers/openai-compatible/openai-shape';
import { adapterFor } from '../../src/providers/registry';
import type { StreamTally } from '../../src/providers/types';
import { fixtureJson, fixtureText, readChunks, replayJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { chatSchemaErrors } from '../responses/openai-schema';
import { PROVIDER_CASES } from './provider-cases';

const enc = new TextEncoder();

async function streamOut(id: (typeof PROVIDER_CASES)[number]['id'], name: string, clientWantsUsage: boolean): Promise<any[]> {
  const tally: StreamTally = { usage: null, deliveredText: '', finishReason: null, firstByteAt: null };
  const sse = readChunks(id, name).map((l) => `data: ${l}\n\n`).join('');
  const source = new Response(enc.encode(sse)).body!;
  const out = await new Response(source.pipeThrough(new TransformStream(adapterFor(id).chatStream({ model: 'm', stream: true, clientWantsUsage }, tally)))).text();
  const payloads = out.split('\n\n').filter(Boolean).map((l) => l.replace(/^data: /, ''));
  expect(payloads.at(-1)).toBe('[DONE]');
  return payloads.slice(0, -1).map((p) => JSON.parse(p));
}

for (const p of PROVIDER_CASES) {
  describe(`${p.id}: answers in OpenAI's shape`, () => {
    for (const name of ['chat.json', 'tools.json']) {
      test(`non-stream ${name} validates as CreateChatCompletionResponse`, () => {
        const { completion } = adapterFor(p.id).parseChatResponse(fixtureJson(p.id, name), { model: 'm', stream: false, clientWantsUsage: false });
        expect(chatSchemaErrors('CreateChatCompletionResponse', completion)).toEqual([]);
      });
    }
    for (const name of ['text.chunks.txt', 'tools.chunks.txt']) {
      for (const usage of [true, false]) {
        test(`stream ${name} (client usage ${usage}): every chunk validates as CreateChatCompletionStreamResponse`, async () => {
          const chunks = await streamOut(p.id, name, usage);
          expect(chunks.length).toBeGreaterThan(1);
          for (const c of chunks) expect(chatSchemaErrors('CreateChatCompletionStreamResponse', c)).toEqual([]);
        });
      }
    }
  });
}

test('fillCompletionShape adds only what is missing, and says whether it did', () => {
  const ok = fixtureJson('openai', 'chat.json');
  expect(fillCompletionShape(ok)).toBe(false);
  expect(ok).toEqual(fixtureJson('openai', 'chat.json'));

  const moonshot = fixtureJson('moonshot', 'chat.json');
  expect(fillCompletionShape(moonshot)).toBe(true);
  expect(moonshot.choices[0]).toEqual({
    index: 0,
    message: { role: 'assistant', content: 'Hello! How can I help?', refusal: null },
    finish_reason: 'stop',
    logprobs: null,
  });
  // Provider extras stay.
  expect(moonshot.usage.cached_tokens).toBe(8);
});

test('fillChunkShape gives xAI chunks their finish_reason: null and leaves complete ones alone', () => {
  const first = JSON.parse(readChunks('grok', 'text.chunks.txt')[0]!);
  expect(fillChunkShape(first)).toBe(true);
  expect(first.choices[0].finish_reason).toBeNull();
  const openai = JSON.parse(readChunks('openai', 'text.chunks.txt')[0]!);
  expect(fillChunkShape(openai)).toBe(false);
});

test('xAI chunks lacking only finish_reason get it as null and their bare UUID id OpenAI\'s chatcmpl- prefix, everything else as the upstream sent it', async () => {
  const upstream = readChunks('grok', 'text.chunks.txt').slice(0, 3);
  const out = await streamOut('grok', 'text.chunks.txt', true);
  for (let i = 0; i < upstream.length; i++) {
    const sent = JSON.parse(upstream[i]!);
    expect(out[i]).toEqual({ ...sent, id: `chatcmpl-${sent.id}`, choices: [{ ...sent.choices[0], finish_reason: null }] });
  }
  // Two choices without it: both completed.
  const two = JSON.parse(upstream[0]!);
  two.choices.push({ ...two.choices[0], index: 1 });
  const tally: StreamTally = { usage: null, deliveredText: '', finishReason: null, firstByteAt: null };
  const t = adapterFor('grok').chatStream({ model: 'm', stream: true, clientWantsUsage: false }, tally);
  const sent: Uint8Array[] = [];
  const controller = { enqueue: (b: Uint8Array) => sent.push(b) } as unknown as TransformStreamDefaultController<Uint8Array>;
  t.transform!(enc.encode(`data: ${JSON.stringify(two)}\n\n`), controller);
  const again = JSON.parse(new TextDecoder().decode(sent[0]).slice('data: '.length));
  expect(again.choices.map((c: any) => c.finish_reason)).toEqual([null, null]);
  expect(chatSchemaErrors('CreateChatCompletionStreamResponse', again)).toEqual([]);
});

test('an answer that was already complete goes out as the upstream bytes; a completed one re-encoded', async () => {
  const fake: FakeUpstream = startFakeUpstream();
  const gw: TestGateway = await startGateway({ env: { ...providerEnv('openai', `${fake.url}/v1`), ...providerEnv('moonshot', `${fake.url}/v1`) } });
  try {
    const body = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: 'Hello' }] });
    fake.handler = () => new Response(fixtureText('openai', 'chat.json'), { headers: { 'content-type': 'application/json' } });
    const same = await gw.fetch('/v1/chat/completions', { method: 'POST', body: body('openai/gpt-4o-mini') });
    expect(await same.text()).toBe(fixtureText('openai', 'chat.json'));

    fake.handler = replayJson('moonshot', 'chat.json');
    const filled = await (await gw.fetch('/v1/chat/completions', { method: 'POST', body: body('moonshot/kimi-k2-0905-preview') })).json();
    expect(chatSchemaErrors('CreateChatCompletionResponse', filled)).toEqual([]);
    expect(filled.choices[0].message.refusal).toBeNull();
  } finally {
    await gw.close();
    fake.close();
  }
});
