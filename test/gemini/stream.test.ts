import { describe, expect, test } from 'bun:test';
import fc from 'fast-check';
import { geminiAdapter } from '../../src/providers/gemini';
import { signatureFromToolCallId } from '../../src/providers/gemini/tool-call-id';
import { UpstreamError } from '../../src/errors/api-error';
import { fixtureLines, fixtureSse, newTally, runStream, runStreamToEnd } from './helpers';

/** Cut points that put each event of a fixture in a read of its own, as Gemini sends them. */
const eventCuts = (fixture: string) => {
  let at = 0;
  return fixtureLines(fixture).map((l) => (at += new TextEncoder().encode(`data: ${l}\r\n\r\n`).length));
};

const ctx = (clientWantsUsage: boolean, model = 'gemini-2.5-flash') => ({ model, stream: true, clientWantsUsage });

async function translate(fixture: string, opts: { usage?: boolean; cuts?: number[]; model?: string } = {}) {
  const tally = newTally();
  const events = await runStream(geminiAdapter.chatStream(ctx(opts.usage ?? false, opts.model), tally), fixtureSse(fixture), opts.cuts);
  expect(events.at(-1)).toBe('[DONE]');
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
  return { chunks, tally };
}

describe('Gemini stream -> OpenAI chunks', () => {
  test('text with thoughts: role first, reasoning_content, content, finish, no usage chunk unless asked', async () => {
    const { chunks, tally } = await translate('text.chunks.txt');
    expect(chunks.map((c) => c.choices[0].delta)).toEqual([
      { role: 'assistant', reasoning_content: "**Counting the letters**\n\nI'm going through \"strawberry\" letter by letter and marking each 'r'." },
      { content: 'There are **3** letter "r"s in' },
      { content: ' "strawberry": st**r**awbe**rr**y — ünïcödé ✓.' },
      {},
    ]);
    expect(chunks.map((c) => c.choices[0].finish_reason)).toEqual([null, null, null, 'stop']);
    for (const c of chunks) {
      expect(c.id).toBe('chatcmpl-kR3xaPq9Lc2Wz7IP7bGq4Ac');
      expect(c.object).toBe('chat.completion.chunk');
      expect(c.model).toBe('gemini-2.5-flash');
      expect(c.usage).toBeUndefined();
    }
    expect(tally.finishReason).toBe('stop');
    // Usage is the LAST running total, with thoughts counted as output.
    expect(tally.usage).toEqual({ input: 2107, cachedInput: 2048, output: 439, reasoning: 412 });
    expect(tally.deliveredText).toContain('st**r**awbe**rr**y');
  });

  test('include_usage: a final usage-only chunk in OpenAI convention', async () => {
    const { chunks } = await translate('text.chunks.txt', { usage: true });
    const last = chunks.at(-1);
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({
      prompt_tokens: 2107,
      completion_tokens: 439,
      total_tokens: 2546,
      prompt_tokens_details: { cached_tokens: 2048 },
      completion_tokens_details: { reasoning_tokens: 412 },
    });
    expect(chunks.filter((c) => c.usage)).toHaveLength(1);
  });

  test('arbitrary chunk boundaries give the same output', async () => {
    const sse = fixtureSse('text.chunks.txt');
    const whole = (await translate('text.chunks.txt', { usage: true })).chunks.map(({ created, ...rest }) => rest);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: new TextEncoder().encode(sse).length - 1 }), { maxLength: 40 }), async (cuts) => {
        const { chunks } = await translate('text.chunks.txt', { usage: true, cuts });
        expect(chunks.map(({ created, ...rest }) => rest)).toEqual(whole);
      }),
      { numRuns: 150 },
    );
  });

  test('byte-by-byte delivery splits multi-byte characters and CRLFs and still works', async () => {
    const n = new TextEncoder().encode(fixtureSse('text.chunks.txt')).length;
    const { chunks } = await translate('text.chunks.txt', { cuts: Array.from({ length: n }, (_, i) => i) });
    expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('There are **3** letter "r"s in "strawberry": st**r**awbe**rr**y — ünïcödé ✓.');
  });

  test('Gemini 3 parallel function calls -> indexed tool_calls, signature in the first id, finish tool_calls', async () => {
    const { chunks, tally } = await translate('tool-call-gemini3.chunks.txt', { model: 'gemini-3-pro-preview', usage: true });
    const signature = JSON.parse(fixtureLines('tool-call-gemini3.chunks.txt')[1]!).candidates[0].content.parts[0].thoughtSignature;
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks[0].choices[0].delta.reasoning_content).toContain('Planning the lookups');
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls.map((c: any) => [c.index, c.type, c.function.name, c.function.arguments])).toEqual([
      [0, 'function', 'get_weather', '{"city":"Paris","unit":"celsius"}'],
      [1, 'function', 'get_weather', '{"city":"Tokyo","unit":"celsius"}'],
    ]);
    expect(signatureFromToolCallId(calls[0].id)).toBe(signature);
    expect(signatureFromToolCallId(calls[1].id)).toBeUndefined();
    expect(calls[0].id).not.toBe(calls[1].id);
    const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finish.map((c) => c.choices[0].finish_reason)).toEqual(['tool_calls']);
    expect(tally.finishReason).toBe('tool_calls');
    expect(chunks.at(-1).usage.completion_tokens).toBe(36 + 240);
  });

  test('a blocked prompt ends with content_filter', async () => {
    const { chunks, tally } = await translate('prompt-block.chunks.txt', { usage: true });
    expect(chunks[0].choices[0]).toEqual({ index: 0, delta: { role: 'assistant' }, logprobs: null, finish_reason: 'content_filter' });
    expect(chunks[1].usage.prompt_tokens).toBe(12);
    expect(tally.finishReason).toBe('content_filter');
  });

  test('an upstream error mid-stream: what came before goes out, then the error is thrown for the relay to send and record', async () => {
    const tally = newTally();
    const { events, error } = await runStreamToEnd(geminiAdapter.chatStream(ctx(true), tally), fixtureSse('error-midstream.chunks.txt'), eventCuts('error-midstream.chunks.txt'));
    expect(events.map((e) => JSON.parse(e).choices[0].delta)).toEqual([{ role: 'assistant', content: 'Once upon a time' }]);
    // The relay turns it into the client's error chunk + [DONE] (test/gemini/stream-errors.test.ts).
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).toBody()).toEqual({
      error: { message: 'Gemini: The model is overloaded. Please try again later. (UNAVAILABLE)', type: 'api_error', param: null, code: 'upstream_error' },
    });
    expect((error as UpstreamError).status).toBe(502);
    expect((error as UpstreamError).upstreamStatus).toBe(503);
    expect((error as UpstreamError).isRetryable).toBe(true);
    expect(tally.finishReason).toBe('error');
    // What was delivered is still accounted.
    expect(tally.usage!.input).toBe(8);
    expect(tally.deliveredText).toBe('Once upon a time');
  });

  test('an error event naming a 4xx keeps its status and is not retryable', async () => {
    const sse = `data: ${JSON.stringify({ error: { code: 400, message: 'Request contains an invalid argument.', status: 'INVALID_ARGUMENT' } })}\r\n\r\n`;
    const { events, error } = await runStreamToEnd(geminiAdapter.chatStream(ctx(false), newTally()), sse);
    expect(events).toEqual([]);
    expect((error as UpstreamError).status).toBe(400);
    expect((error as UpstreamError).isRetryable).toBe(false);
    expect((error as UpstreamError).message).toBe('Gemini: Request contains an invalid argument. (INVALID_ARGUMENT)');
  });

  test('a stream that stops before any finishReason fails, not a silent stop', async () => {
    const tally = newTally();
    const first = fixtureLines('text.chunks.txt').slice(0, 2).map((l) => `data: ${l}\r\n\r\n`).join('');
    const { events, error } = await runStreamToEnd(geminiAdapter.chatStream(ctx(true), tally), first);
    expect(events).toHaveLength(2);
    expect(events).not.toContain('[DONE]');
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).message).toContain('ended before');
    expect((error as UpstreamError).isRetryable).toBe(true);
    expect(tally.finishReason).toBe('error');
  });

  test('invalid JSON in an event fails the stream', async () => {
    const tally = newTally();
    const { events, error } = await runStreamToEnd(geminiAdapter.chatStream(ctx(false), tally), 'data: {"candidates": [\r\n\r\n');
    expect(events).toEqual([]);
    expect((error as UpstreamError).code).toBe('upstream_error');
    expect((error as UpstreamError).message).toContain('not JSON');
  });
});

test('each upstream event is forwarded as soon as it arrives (nothing waits for the end)', async () => {
  const ts = new TransformStream(geminiAdapter.chatStream(ctx(false), newTally()));
  const writer = ts.writable.getWriter();
  const reader = ts.readable.getReader();
  const [first] = fixtureLines('text.chunks.txt');
  writer.write(new TextEncoder().encode(`data: ${first}\r\n\r\n`)).catch(() => {});
  const { value } = await reader.read();
  expect(new TextDecoder().decode(value)).toContain('Counting the letters');
  // The stream is still open (no close written): the chunk came out of an unfinished response.
  await reader.cancel();
  writer.close().catch(() => {});
});

test('n > 1: each candidate is its own choice index with its own role and finish', async () => {
  // candidateCount=2 streams both candidates side by side in each event.
  const ev = (parts: [string, string], finish?: string) =>
    JSON.stringify({
      candidates: [0, 1].map((i) => ({ content: { parts: [{ text: parts[i] }], role: 'model' }, index: i, ...(finish ? { finishReason: finish } : {}) })),
      modelVersion: 'gemini-2.5-flash',
      responseId: 'n2',
    });
  const sse = [ev(['Hel', 'Bon']), ev(['lo', 'jour'], 'STOP')].map((l) => `data: ${l}\r\n\r\n`).join('');
  const tally = newTally();
  const events = await runStream(geminiAdapter.chatStream(ctx(false), tally), sse);
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
  const byIndex = (i: number) => chunks.filter((c) => c.choices[0].index === i).map((c) => c.choices[0]);
  expect(byIndex(0).map((c) => c.delta.content ?? '').join('')).toBe('Hello');
  expect(byIndex(1).map((c) => c.delta.content ?? '').join('')).toBe('Bonjour');
  expect(byIndex(1)[0].delta.role).toBe('assistant');
  expect(byIndex(0).at(-1).finish_reason).toBe('stop');
  expect(byIndex(1).at(-1).finish_reason).toBe('stop');
});
