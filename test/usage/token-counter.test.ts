import { expect, setDefaultTimeout, test } from 'bun:test';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { createWorkerTokenCounter, tokenCounter } from '../../src/usage/token-counter';

// The worker loads the o200k tables on its first count (seconds on a loaded CI machine).
setDefaultTimeout(30_000);

test('counts in the worker equal the o200k encoding, each answer to its own request', async () => {
  const texts = ['Hello, world!', '', 'The quick brown fox jumps over the lazy dog.', 'naïve café – 東京 🚀'];
  const many = await Promise.all(Array.from({ length: 20 }, (_, i) => tokenCounter.count([texts[i % texts.length]!, `request ${i}`])));
  many.forEach((counts, i) => {
    expect(counts).toEqual([encode(texts[i % texts.length]!).length, encode(`request ${i}`).length]);
  });
  expect(await tokenCounter.count([])).toEqual([]);
});

test('the event loop keeps running while the worker loads the tokenizer and counts', async () => {
  const counter = createWorkerTokenCounter();
  const long = 'The quick brown fox jumps over the lazy dog, while analysing 12345 records. '.repeat(5000);
  // Timer ticks keep arriving while a fresh worker starts, loads its tables (~60 ms; it was ~0.3 s
  // with gpt-tokenizer's) and counts 380k chars: several of them, however fast the machine.
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const [n] = await counter.count([long]);
  clearInterval(timer);
  expect(n).toBeGreaterThan(50_000);
  expect(ticks).toBeGreaterThanOrEqual(3);
});

test('a counter whose worker cannot start answers ~4 characters per token instead of failing', async () => {
  const errors: unknown[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => void errors.push(a);
  try {
    const broken = createWorkerTokenCounter({ url: () => new URL('./no-such-worker.ts', import.meta.url).href });
    expect(await broken.count(['12345678', 'abc'])).toEqual([2, 1]);
    expect(await broken.count(['abcd'])).toEqual([1]);
  } finally {
    console.error = orig;
  }
  expect(errors.length).toBe(1);
});

test('an idle worker is ended (with its tables it holds ~8-14 MiB) and started again when needed', async () => {
  let starts = 0;
  const url = () => (starts++, new URL('../../src/usage/token-count.worker.ts', import.meta.url).href);
  const counter = createWorkerTokenCounter({ url, idleMs: 50 });
  expect(await counter.count(['hello there'])).toEqual([encode('hello there').length]);
  // Back-to-back counts reuse the running worker.
  expect(await counter.count(['again'])).toEqual([encode('again').length]);
  expect(starts).toBe(1);
  await Bun.sleep(300);
  expect(await counter.count(['after a pause'])).toEqual([encode('after a pause').length]);
  expect(starts).toBe(2);
});
