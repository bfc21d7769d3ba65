/**
 * plainDeltaText recognises OpenAI stream chunks that need no change without parsing them. Wherever
 * it answers, the full parse must agree: the chunk is valid JSON that already has OpenAI's required
 * fields (fillChunkShape adds nothing), carries no usage, error, tool call or finish reason, and the
 * text it returns is the delta's content. And it must answer for the real wire, or it saves nothing.
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fillChunkShape } from '../../src/providers/openai-compatible/openai-shape';
import { plainDeltaText } from '../../src/providers/openai-compatible/plain-delta';

setDefaultTimeout(30_000);

const fixture = (provider: string, name: string) =>
  readFileSync(join(import.meta.dir, '../fixtures', provider, name), 'utf8').split('\n').filter((l) => l.trim() && l.trim() !== '[DONE]');

/** What the full path concludes for `data`: the text to tally, or undefined when it drops, changes or finishes the chunk. */
function fullPath(data: string): string | undefined {
  let chunk: any;
  try {
    chunk = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (chunk === null || typeof chunk !== 'object' || Array.isArray(chunk) || chunk.error || chunk.usage) return undefined;
  if (fillChunkShape(structuredClone(chunk))) return undefined;
  if (chunk.choices.length !== 1) return undefined;
  const choice = chunk.choices[0];
  if (choice.finish_reason != null || choice.delta.tool_calls !== undefined || choice.delta.reasoning_content !== undefined) return undefined;
  return typeof choice.delta.content === 'string' ? choice.delta.content : '';
}

describe('plainDeltaText', () => {
  test("recognises the content deltas of OpenAI's real wire and reads their text", () => {
    const lines = fixture('openai', 'text.chunks.txt');
    const answered = lines.filter((l) => plainDeltaText(l) !== undefined);
    // Every chunk but the finish chunk and the usage chunk.
    expect(answered.length).toBe(lines.length - 2);
    for (const l of answered) expect(plainDeltaText(l)).toBe(fullPath(l)!);
    expect(answered.map((l) => plainDeltaText(l)).join('')).toStartWith('Hello! How can I help');
  });

  test('leaves reasoning, tool calls and chunks without finish_reason to the full parse', () => {
    for (const [provider, file] of [['deepseek', 'reasoner-tools.chunks.txt'], ['openai', 'tools.chunks.txt'], ['grok', 'text.chunks.txt']] as const)
      for (const l of fixture(provider, file)) {
        const t = plainDeltaText(l);
        if (t !== undefined) expect(t).toBe(fullPath(l)!);
        if (l.includes('"tool_calls"') || l.includes('"reasoning_content"') || !l.includes('"finish_reason"')) expect(t).toBeUndefined();
      }
  });

  test('a cut, doubled or malformed chunk is not recognised', () => {
    const ok = '{"id":"chatcmpl-c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"a\\"}b\\n"},"logprobs":null,"finish_reason":null}]}';
    expect(plainDeltaText(ok)).toBe('a"}b\n');
    for (let cut = 1; cut < ok.length; cut++) expect(plainDeltaText(ok.slice(0, cut))).toBeUndefined();
    expect(plainDeltaText(ok + ok)).toBeUndefined();
    expect(plainDeltaText(ok.replace('"created":1', '"created":"1"'))).toBeUndefined();
    expect(plainDeltaText(ok.replace('b\\n', 'b\\x'))).toBeUndefined(); // an invalid escape
    expect(plainDeltaText(ok.replace('chatcmpl-c1', 'c1'))).toBeUndefined(); // a bare id (DeepSeek's, xAI's) gets OpenAI's prefix
    expect(plainDeltaText(ok.replace('"model":"m"', '"model":"m","object":"x"'))).toBeUndefined(); // a repeated key wins in JSON.parse
    expect(plainDeltaText(ok.replace('"model":"m"', '"model":"m","usage":{"prompt_tokens":1}'))).toBeUndefined();
  });

  test('chunks over 1,024 characters take the full parse', () => {
    const chunkOf = (content: string) =>
      JSON.stringify({ id: 'chatcmpl-c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }] });
    expect(plainDeltaText(chunkOf('x'.repeat(800)))).toBe('x'.repeat(800));
    expect(plainDeltaText(chunkOf('\n'.repeat(400)))).toBe('\n'.repeat(400));
    expect(plainDeltaText(chunkOf('x'.repeat(1100)))).toBeUndefined();
    expect(plainDeltaText(chunkOf('\n'.repeat(32 * 1024)))).toBeUndefined();
  });

  const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('{', '}', '[', ']', '"content":"x"', '\\', '"', '\n', '\u0001', '\u2028', 'é', '😀', '"delta":{'));
  /** Mostly present and right (the fast path's case), sometimes absent or odd. */
  const usually = <T>(right: fc.Arbitrary<T>, odd?: fc.Arbitrary<unknown>) =>
    fc.option(odd ? fc.oneof({ arbitrary: right, weight: 8 }, { arbitrary: odd, weight: 1 }) : right, { nil: undefined, freq: 10 });
  const rarely = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(undefined), weight: 7 }, { arbitrary: arb, weight: 1 });
  const sometimes = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
  const delta = fc.record(
    {
      role: sometimes(fc.constant('assistant')),
      content: usually(text, fc.constant(null)),
      refusal: rarely(fc.constant(null)),
      reasoning_content: rarely(text),
      tool_calls: rarely(fc.constant([{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }])),
      extra: rarely(fc.record({ content: text })),
    },
    { requiredKeys: [] },
  );
  const choice = fc.record(
    {
      index: usually(fc.constant(0), fc.constant(1)),
      delta: usually(delta, fc.constant(null)),
      logprobs: usually(fc.constant(null), fc.record({ content: fc.constant([{ token: 'x', logprob: -1 }]) })),
      finish_reason: usually(fc.constant(null), fc.constantFrom('stop', 'length')),
    },
    { requiredKeys: [] },
  );
  const chunk = fc.record(
    {
      id: usually(fc.constantFrom('chatcmpl-1', 'a\\"b'), fc.oneof(text, fc.constant(7))),
      object: usually(fc.constant('chat.completion.chunk'), fc.constant('chat.completion')),
      created: usually(fc.constant(1757924400), fc.constant('1757924400')),
      model: usually(fc.constant('gpt-4o-mini')),
      service_tier: sometimes(fc.constant('default')),
      choices: usually(fc.array(choice, { minLength: 1, maxLength: 1 }), fc.array(choice, { maxLength: 2 })),
      usage: sometimes(fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: fc.constant({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }), weight: 1 })),
      error: rarely(fc.oneof(fc.constant({ message: 'boom' }), fc.constant('boom'), fc.constant(null))),
      obfuscation: sometimes(text),
    },
    { requiredKeys: [] },
  );
  /** OpenAI's own chunks, in its field order, with any text: what the fast path is for. */
  const openaiChunk = fc
    .record({
      fingerprint: fc.boolean(),
      first: fc.boolean(),
      content: fc.oneof(text, fc.constant(null)),
      logprobs: fc.boolean(),
      usage: fc.boolean(),
      obfuscation: fc.option(text, { nil: undefined }),
    })
    .map((o) => ({
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: 1757924400,
      model: 'gpt-4o-mini',
      ...(o.fingerprint ? { service_tier: 'default', system_fingerprint: 'fp_1' } : {}),
      choices: [{ index: 0, delta: o.first ? { role: 'assistant', content: o.content, refusal: null } : { content: o.content }, ...(o.logprobs ? { logprobs: null } : {}), finish_reason: null }],
      ...(o.usage ? { usage: null } : {}),
      ...(o.obfuscation === undefined ? {} : { obfuscation: o.obfuscation }),
    }));
  // The upstream's field order matters to the fast path, so it is kept from the record most of the
  // time; some chunks are cut short or run together.
  const wire = fc.tuple(fc.oneof({ arbitrary: chunk, weight: 3 }, { arbitrary: openaiChunk, weight: 1 }), fc.nat(9), fc.nat(400)).map(([c, how, cut]) => {
    const data = JSON.stringify(how === 0 ? Object.fromEntries(Object.entries(c).reverse()) : c);
    if (how === 1) return data.slice(0, cut);
    if (how === 2) return data + data;
    return data;
  });

  test('wherever it answers, the full parse agrees (random chunks)', () => {
    let answered = 0;
    fc.assert(
      fc.property(wire, (data) => {
        const t = plainDeltaText(data);
        if (t === undefined) return;
        answered++;
        expect(t).toBe(fullPath(data)!);
      }),
      { numRuns: 20_000 },
    );
    // The generator reaches the fast path often enough for the property to mean something
    // (about 2,800 of the 20,000; the bound leaves room for any seed).
    expect(answered).toBeGreaterThan(2_000);
  });
});
