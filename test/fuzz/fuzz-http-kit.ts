/**
 * Shared pieces of the HTTP fuzz tests: hostile values, a mutator that plants one in a valid body
 * at any path, a JSON writer that can repeat keys, fake upstreams answering every endpoint in
 * the providers' real shapes, and the checks every answer must pass (status, body, error shape,
 * no internals, exactly one log row).
 */
import { expect } from 'bun:test';
import fc from 'fast-check';
import { jsonResponse, okCompletion, readChunks, sseResponse, startFakeUpstream, fixtureJson, fixtureText, type FakeUpstream } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';

/** Strings that break naive code: lone surrogates, NUL, bidi marks, BOM, numbers as text, path-like keys. */
/** Runs per property (FUZZ_RUNS overrides `byDefault`) and the seed every property starts from (FUZZ_SEED), so a failure replays. */
export const fuzzRuns = (byDefault: number) => Number(process.env.FUZZ_RUNS ?? byDefault);
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261206);

export const nastyString = fc.oneof(
  fc.constantFrom(
    '\ud800', '\udfff', 'a\udc00b', '\u0000', 'x\u0000y', '\u202e\u2066abc', '\ufeff', '\u200b', '\r\n', '\n\nevent: error\ndata: x\n\n',
    'NaN', 'Infinity', '-Infinity', '1e309', '-1', '9007199254740993', '0x10', '__proto__', 'constructor', 'toString',
    '{"a":1}', '<script>alert(1)</script>', '../../etc/passwd', '%00', '%ZZ', '😀'.repeat(3), 'é', '\u0301', '',
  ),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** Numbers at and past every boundary. */
export const nastyNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 0.5, -0.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Nested arrays/objects `depth` deep. */
export const deepValue = fc.tuple(fc.integer({ min: 20, max: 200 }), fc.boolean()).map(([depth, arrays]) => {
  let v: unknown = 'x';
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
});

/** Any value of any type, sometimes hostile. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyString },
  { weight: 3, arbitrary: nastyNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [null], [[]], [{}], { __proto__: 1 } as unknown, JSON.parse('{"__proto__":{"polluted":1}}'), { constructor: { prototype: { polluted: 1 } } }) },
  // Own keys that shadow what String(), `${}`, JSON and await call: String({toString: 'x'}) throws.
  { weight: 2, arbitrary: fc.constantFrom({ toString: 'x' }, { valueOf: 1 }, { toString: 1, valueOf: 2 }, { toJSON: 'x' }, { then: 'x' }, { length: 1e9 }, { length: -1, 0: 'a' }, [{ toString: 'x' }], { hasOwnProperty: 'x' }, { type: { toString: 'x' } }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: deepValue },
  { weight: 1, arbitrary: fc.constant('x'.repeat(1 << 20)) },
  // Long runs of what regular expressions backtrack on, and prefixes that send a value down a parser.
  { weight: 1, arbitrary: fc.constantFrom(' ', 'a-', '\\', '{', '%', 'data:', '$ref', '#/', '.', '😀', 'a'.repeat(63) + '.').map((s) => s.repeat(Math.ceil(300_000 / s.length))) },
  { weight: 1, arbitrary: fc.constantFrom('data:image/png;base64,', 'data:', 'http://', 'https://127.0.0.1/', '#/$defs/', 'provider/', 'openai/').map((p) => p + 'A'.repeat(300_000) + '!') },
);

/** Every path (array of keys) to a value inside `v`, the root included. */
export function pathsOf(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...prefix, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...prefix, k]));
  return out;
}

/** A copy of `body` with `value` put at `path` (or, with `extraKey`, in a new key beside it). */
export function plant(body: unknown, path: (string | number)[], value: unknown, extraKey?: string): unknown {
  const copy = structuredClone(body);
  if (path.length === 0) return extraKey === undefined ? value : copy;
  let at: any = copy;
  for (const k of path.slice(0, -1)) at = at[k];
  const last = path.at(-1)!;
  if (extraKey !== undefined && at[last] && typeof at[last] === 'object' && !Array.isArray(at[last])) {
    Object.defineProperty(at[last], extraKey, { value, enumerable: true, configurable: true, writable: true });
  } else at[last] = value;
  return copy;
}

/** A body with one to three hostile values planted at paths of `base` (the later ones in what the earlier left). */
export function mutated(base: unknown): fc.Arbitrary<unknown> {
  const paths = pathsOf(base);
  const one = fc.tuple(fc.nat(), nastyValue, fc.option(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'extra', ''), { freq: 3 }));
  return fc.array(one, { minLength: 1, maxLength: 3 }).map((plants) =>
    plants.reduce<unknown>((body, [n, v, k], i) => {
      // The first plant picks among the base's own paths; later ones may land inside what it planted.
      const among = i === 0 ? paths : pathsOf(body).slice(0, 2_000);
      return plant(body, among[n % among.length]!, v, k ?? undefined);
    }, base),
  );
}

/** JSON text of `v`; with `dup`, the first key of every object is written twice (an earlier, harmless value first). */
export function jsonText(v: unknown, dup = false): string {
  if (!dup) return JSON.stringify(v);
  const w = (x: unknown): string => {
    if (Array.isArray(x)) return `[${x.map(w).join(',')}]`;
    if (x && typeof x === 'object') {
      const e = Object.entries(x);
      const parts = e.map(([k, y]) => `${JSON.stringify(k)}:${w(y)}`);
      if (e.length) parts.unshift(`${JSON.stringify(e[0]![0])}:null`);
      return `{${parts.join(',')}}`;
    }
    return JSON.stringify(x) ?? 'null';
  };
  return w(v);
}

const openaiResponse = (model: string) => ({
  id: 'resp_fuzz', object: 'response', created_at: 1, status: 'completed', model, error: null, incomplete_details: null,
  output: [{ type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'ok', annotations: [] }] }],
  usage: { input_tokens: 3, input_tokens_details: { cached_tokens: 0 }, output_tokens: 1, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 4 },
});

/** An OpenAI-compatible upstream answering chat (JSON or stream), Responses, embeddings and images. */
export function fakeOpenAI(): FakeUpstream {
  return startFakeUpstream((_req, rec) => {
    const b = rec.body && typeof rec.body === 'object' ? rec.body : {};
    const model = typeof b.model === 'string' ? b.model : 'gpt-4o-mini';
    if (rec.path.endsWith('/chat/completions')) return b.stream ? sseResponse(readChunks('openai', 'text.chunks.txt')) : okCompletion(model);
    if (rec.path.endsWith('/responses/input_tokens')) return jsonResponse(fixtureJson('responses', 'openai-input-tokens.json'));
    if (rec.path.endsWith('/responses/compact')) return jsonResponse(fixtureJson('responses', 'openai-compact.json'));
    if (rec.path.endsWith('/responses')) {
      const done = openaiResponse(model);
      if (!b.stream) return jsonResponse(done);
      const events = [
        { type: 'response.created', sequence_number: 0, response: { ...done, status: 'in_progress', output: [], usage: null } },
        { type: 'response.output_text.delta', sequence_number: 1, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'ok' },
        { type: 'response.completed', sequence_number: 2, response: done },
      ];
      return new Response(events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join(''), { headers: { 'content-type': 'text/event-stream' } });
    }
    if (rec.path.endsWith('/embeddings')) {
      const n = Array.isArray(b.input) ? b.input.length : 1;
      return jsonResponse({ object: 'list', model, data: Array.from({ length: n }, (_, i) => ({ object: 'embedding', index: i, embedding: [0.1, 0.2] })), usage: { prompt_tokens: 2, total_tokens: 2 } });
    }
    if (rec.path.endsWith('/images/generations')) return jsonResponse(fixtureJson('images', 'openai-dalle3-url.json'));
    return jsonResponse({ error: { message: 'not found', type: 'invalid_request_error', param: null, code: null } }, 404);
  });
}

/** A Gemini upstream answering generateContent and its stream (the rest 404). */
export function fakeGemini(): FakeUpstream {
  return startFakeUpstream((_req, rec) => {
    if (rec.path.endsWith(':streamGenerateContent')) return sseResponse(readChunks('gemini', 'text.chunks.txt'));
    if (rec.path.endsWith(':generateContent')) return jsonResponse(fixtureJson('gemini', 'text.json'));
    return jsonResponse({ error: { code: 404, message: 'not found', status: 'NOT_FOUND' } }, 404);
  });
}

/** An Anthropic upstream answering Messages (JSON or stream) and count_tokens. */
export function fakeAnthropic(): FakeUpstream {
  const sse = fixtureText('anthropic', 'text.sse');
  return startFakeUpstream((_req, rec) => {
    if (rec.path.endsWith('/count_tokens')) return jsonResponse({ input_tokens: 7 });
    if (rec.body?.stream === true) return new Response(sse, { headers: { 'content-type': 'text/event-stream' } });
    return jsonResponse(fixtureJson('anthropic', 'text.json'));
  });
}

export type Shape = 'openai' | 'anthropic' | 'admin';

/** Text that shows internals: a stack frame, a source path, a runtime error's class name. */
const INTERNALS = /\bat [\w.<>]+ \(|\/src\/|\/work\/|node_modules|\.tsx?:\d+|TypeError|ReferenceError|RangeError|SyntaxError: JSON|undefined is not|Cannot read prop|\[object Object\]/;

/** Reads an answer within `ms` (a hang fails) and checks what every answer must be. */
export async function checkAnswer(r: Response, shape: Shape, what: string): Promise<{ status: number; text: string; body: any }> {
  const text = await Promise.race([r.text(), Bun.sleep(20_000).then(() => { throw new Error(`${what}: the body did not end within 20 s`); })]);
  const ctx = `${what} -> ${r.status} ${text.slice(0, 600)}`;
  expect(r.status, ctx).not.toBe(500);
  expect(INTERNALS.test(text), ctx).toBe(false);
  const type = r.headers.get('content-type') ?? '';
  if (type.startsWith('text/event-stream')) {
    expect(r.status, ctx).toBe(200);
    // A stream ends as its API ends one: chat with [DONE], Messages with message_stop or an error
    // event, Responses with its final event.
    const end = text.trimEnd();
    if (shape === 'anthropic') expect(/event: (message_stop|error)\ndata: [^\n]*$/.test(end), ctx + ' …' + end.slice(-300)).toBe(true);
    else expect(/data: \[DONE\]$|"type":"response\.(completed|failed|incomplete)"[^\n]*$/.test(end), ctx + ' …' + end.slice(-300)).toBe(true);
    return { status: r.status, text, body: undefined };
  }
  expect(type, ctx).toContain('application/json');
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${ctx}: not JSON`);
  }
  if (r.status >= 400) {
    // An error names what was wrong; it does not echo a megabyte the client sent.
    expect(text.length, ctx).toBeLessThan(4_096);
    if (shape === 'anthropic') {
      expect(body?.type, ctx).toBe('error');
      expect(typeof body?.error?.type, ctx).toBe('string');
      expect(typeof body?.error?.message, ctx).toBe('string');
    } else {
      expect(typeof body?.error?.message, ctx).toBe('string');
      expect(typeof body?.error?.type, ctx).toBe('string');
      expect('param' in body.error && 'code' in body.error, ctx).toBe(true);
    }
  }
  return { status: r.status, text, body };
}

/** Exactly one log row under the answer's x-request-id. */
export async function checkOneRow(gw: TestGateway, r: Response, what: string): Promise<void> {
  const id = r.headers.get('x-request-id');
  expect(id, `${what}: no x-request-id (status ${r.status})`).toBeTruthy();
  await gw.waitForRow(id!);
  // A second row may land a moment later: look again once the writer has had its turn.
  await Bun.sleep(0);
  expect(gw.logs.filter((l) => l.requestId === id).length, `${what}: rows of ${id}`).toBe(1);
}

/**
 * Runs one case's checks. With FUZZ_COLLECT set, a failure is printed (`FUZZFAIL`, its first line
 * cut at `max` characters) and the run goes on, so one run lists every failing shape.
 */
export async function checkOrCollect(check: () => unknown, max = 700): Promise<void> {
  try {
    await check();
  } catch (err) {
    if (!process.env.FUZZ_COLLECT) throw err;
    console.log('FUZZFAIL', String((err as Error).message).split('\n')[0]!.slice(0, max));
  }
}
