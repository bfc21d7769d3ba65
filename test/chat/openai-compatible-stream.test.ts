/** The stream transform on its own: byte splits anywhere, pass-through without re-serialising. */
import { expect, test } from 'bun:test';
import fc from 'fast-check';
import { openaiAdapter } from '../../src/providers/openai/openai-adapter';
import { ollamaAdapter } from '../../src/providers/ollama/ollama-adapter';
import type { ProviderAdapter, StreamTally } from '../../src/providers/types';
import { readChunks } from '../helpers/fake-upstream';

const enc = new TextEncoder();

async function run(adapter: ProviderAdapter, sse: string, cuts: number[], clientWantsUsage: boolean) {
  const bytes = enc.encode(sse);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    if (p > prev) pieces.push(bytes.slice(prev, p));
    prev = Math.max(prev, p);
  }
  const tally: StreamTally = { usage: null, deliveredText: '', finishReason: null, firstByteAt: null };
  const source = new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of pieces) c.enqueue(p);
      c.close();
    },
  });
  const out = await new Response(source.pipeThrough(new TransformStream(adapter.chatStream({ model: 'm', stream: true, clientWantsUsage }, tally)))).text();
  return { out, tally };
}

const frame = (lines: string[]) => lines.map((l) => `data: ${l}\n\n`).join('');

test('any split of the upstream bytes gives the same output', async () => {
  const lines = readChunks('openai', 'text.chunks.txt');
  const sse = frame(lines);
  const whole = await run(openaiAdapter, sse, [], true);
  await fc.assert(
    fc.asyncProperty(fc.array(fc.nat(), { maxLength: 40 }), async (cuts) => {
      const r = await run(openaiAdapter, sse, cuts, true);
      expect(r.out).toBe(whole.out);
      expect(r.tally.deliveredText).toBe('Hello! How can I help you today?');
    }),
    { numRuns: 60 },
  );
});

test('unchanged chunks pass through byte for byte; only the usage chunk is rewritten', async () => {
  const lines = readChunks('openai', 'text.chunks.txt');
  const { out, tally } = await run(openaiAdapter, frame(lines), [], true);
  const outLines = out.split('\n\n').filter(Boolean).map((l) => l.replace(/^data: /, ''));
  expect(outLines.slice(0, 6)).toEqual(lines.slice(0, 6)); // content chunks: the upstream's own text
  expect(outLines.at(-1)).toBe('[DONE]');
  expect(tally.usage).toMatchObject({ input: 19, output: 9 });
  expect(tally.finishReason).toBe('stop');
});

test('without client usage the usage-only chunk is dropped, CRLF framing is understood', async () => {
  const lines = readChunks('openai', 'text.chunks.txt');
  const crlf = lines.map((l) => `data: ${l}\r\n\r\n`).join('');
  const { out, tally } = await run(openaiAdapter, crlf, [17, 400], false);
  expect(out).not.toContain('"prompt_tokens"');
  expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
  expect(tally.usage).not.toBeNull();
});

test('ollama: `reasoning` is renamed to reasoning_content in the relayed chunk', async () => {
  const { out, tally } = await run(ollamaAdapter, frame(readChunks('ollama', 'text.chunks.txt')), [5, 99], false);
  expect(out).toContain('"reasoning_content":"The user"');
  expect(out).not.toContain('"reasoning":');
  expect(tally.deliveredText).toBe('The user says hello.Hello! How can I help?');
});

test('a stream ending without [DONE] or finish_reason errors (the proxy turns it into an error event)', async () => {
  const lines = readChunks('openai', 'text.chunks.txt').slice(0, 3);
  await expect(run(openaiAdapter, frame(lines), [], false)).rejects.toThrow(/ended before it finished/);
});

test('CR line endings, comments and a data field over several lines give the same chunks as plain LF framing', async () => {
  const lines = readChunks('openai', 'text.chunks.txt');
  const plain = await run(openaiAdapter, frame(lines), [], true);
  // Every event: a keep-alive comment, then its JSON cut after the first comma into two data lines.
  const odd = lines
    .map((l) => {
      const i = l.indexOf(',');
      const data = i === -1 ? `data: ${l}` : `data: ${l.slice(0, i + 1)}\rdata:${l.slice(i + 1)}`;
      return `: ping\r${data}\r\r`;
    })
    .join('');
  await fc.assert(
    fc.asyncProperty(fc.array(fc.nat(), { maxLength: 20 }), async (cuts) => {
      const r = await run(openaiAdapter, odd, cuts, true);
      // One `data:` line per event, as clients read them.
      for (const line of r.out.split('\n')) if (line) expect(line.startsWith('data: ')).toBe(true);
      const chunks = (out: string) => out.split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, '')).map((d) => (d === '[DONE]' ? d : JSON.parse(d)));
      expect(chunks(r.out)).toEqual(chunks(plain.out));
      expect(r.tally.deliveredText).toBe(plain.tally.deliveredText);
      expect(r.tally.usage).toEqual(plain.tally.usage);
    }),
    { numRuns: 40 },
  );
});

test('the tally holds plain values: delivered text, its length, usage and finish reason', async () => {
  const { tally } = await run(openaiAdapter, frame(readChunks('openai', 'tools.chunks.txt')), [], false);
  for (const key of ['deliveredText', 'deliveredChars', 'usage', 'finishReason'] as const) {
    expect(Object.getOwnPropertyDescriptor(tally, key)?.get).toBeUndefined();
  }
  expect(tally.deliveredText.length).toBeGreaterThan(0);
  expect(tally.deliveredChars).toBe(tally.deliveredText.length);
  expect(tally.finishReason).toBe('tool_calls');
});

test('an error chunk mid-stream fails it after the chunks before it went out', async () => {
  const lines = readChunks('openai', 'text.chunks.txt').slice(0, 2);
  const sse = frame([...lines, JSON.stringify({ error: { message: 'overloaded' } }), ...readChunks('openai', 'text.chunks.txt').slice(2)]);
  const tally: StreamTally = { usage: null, deliveredText: '', finishReason: null, firstByteAt: null };
  const t = openaiAdapter.chatStream({ model: 'm', stream: true, clientWantsUsage: false }, tally);
  const sent: Uint8Array[] = [];
  const controller = { enqueue: (b: Uint8Array) => sent.push(b) } as unknown as TransformStreamDefaultController<Uint8Array>;
  expect(() => t.transform!(enc.encode(sse), controller)).toThrow(/stream failed: overloaded/);
  const out = new TextDecoder().decode(sent[0]);
  expect(out).toBe(frame(lines));
  expect(tally.deliveredText).toBe(lines.map((l) => JSON.parse(l).choices[0].delta.content ?? '').join(''));
});

test("an error chunk whose error is a string (xAI's {code, error} and Ollama's {error} shapes) fails the stream with its words", () => {
  for (const payload of [{ code: 'The service is currently unavailable', error: 'The model grok-3-mini is overloaded.' }, { error: 'The model grok-3-mini is overloaded.' }]) {
    const tally: StreamTally = { usage: null, deliveredText: '', finishReason: null, firstByteAt: null };
    const t = openaiAdapter.chatStream({ model: 'm', stream: true, clientWantsUsage: false }, tally);
    const controller = { enqueue: () => {} } as unknown as TransformStreamDefaultController<Uint8Array>;
    expect(() => t.transform!(enc.encode(frame([JSON.stringify(payload)])), controller)).toThrow(/stream failed: The model grok-3-mini is overloaded\./);
  }
});

/** The `index` of every tool_calls delta in the relayed chunks, in order, with the call id where one came. */
const toolIndexes = (out: string) =>
  out
    .split('\n\n')
    .map((e) => e.replace(/^data: /, ''))
    .filter((d) => d.startsWith('{'))
    .flatMap((d) => (JSON.parse(d).choices[0]?.delta.tool_calls ?? []).map((t: any) => [t.index, t.id ?? null]));

test("tool calls numbered as OpenAI numbers them go out as they came (OpenAI's argument pieces on index alone)", async () => {
  const lines = readChunks('openai', 'tools.chunks.txt');
  const { out } = await run(openaiAdapter, frame(lines), [], true);
  const outLines = out.split('\n\n').filter(Boolean).map((l) => l.replace(/^data: /, ''));
  const withCalls = lines.filter((l) => l.includes('"tool_calls":['));
  expect(withCalls.length).toBeGreaterThan(2);
  for (const l of withCalls) expect(outLines).toContain(l);
});

test('tool calls without index, or all on index 0, get 0, 1, … by call; argument pieces without an id stay with their call', async () => {
  const chunk = (tc: object) => JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { tool_calls: [tc] }, finish_reason: null }] });
  const end = JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] });
  const fn = (name: string | undefined, args: string) => ({ type: 'function', function: { ...(name ? { name } : {}), arguments: args } });
  for (const index of [undefined, 0]) {
    const at = index === undefined ? {} : { index };
    const lines = [
      chunk({ id: 'call_a', ...at, ...fn('get_weather', '{"city":') }),
      chunk({ ...at, function: { arguments: '"Paris"}' } }),
      chunk({ id: 'call_b', ...at, ...fn('get_weather', '{"city":"Tokyo"}') }),
      chunk({ id: 'call_c', ...at, ...fn('get_time', '{}') }),
      end,
      '[DONE]',
    ];
    const { out } = await run(ollamaAdapter, frame(lines), [], false);
    expect(toolIndexes(out)).toEqual([[0, 'call_a'], [0, null], [1, 'call_b'], [2, 'call_c']]);
  }
});
