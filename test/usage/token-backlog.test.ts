/**
 * Clients that leave requests with long prompts once they are upstream: each 499 row bills the
 * prompt, estimated by the tokenizer's worker, which counts ~30 MB/s while a client can send
 * several times that. Past MAX_PENDING_CHARS waiting, a count is approximated (~4 characters a
 * token) at once instead of queued with its prompt: what waits stays bounded, and the rows past
 * it are written without waiting for the worker. Here the worker answers nothing until released.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { createWorkerTokenCounter, type TokenCounter } from '../../src/usage/token-counter';
import { RELEASE_TEXT } from '../helpers/held-token-worker';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

const BOUND = 1_000_000;
const PROMPT_CHARS = 300_000;
let gw: TestGateway;
let fake: FakeUpstream;
let counter: TokenCounter;

beforeAll(async () => {
  // The upstream takes the request and never answers: the client leaves while it is out there.
  fake = startFakeUpstream(() => new Promise<Response>(() => {}));
  counter = createWorkerTokenCounter({ url: () => new URL('../helpers/held-token-worker.ts', import.meta.url).href, maxPendingChars: BOUND });
  gw = await startGateway({ env: providerEnv('openai', `${fake.url}/v1`), tokenCounter: counter });
});
afterAll(async () => {
  await counter.count([RELEASE_TEXT]);
  await gw.close();
  fake.close();
});

/** One chat request with a prompt of PROMPT_CHARS, left by its client once the upstream has it. */
async function leftUpstream(key: string, i: number): Promise<void> {
  const seen = fake.requests.length;
  const ac = new AbortController();
  const content = `${i} `.padEnd(PROMPT_CHARS, 'lorem ipsum ');
  const sent = fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    signal: ac.signal,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content }] }),
  }).catch(() => null);
  while (fake.requests.length === seen) await Bun.sleep(2);
  ac.abort();
  await sent;
}

test('a worker far behind holds at most the bound; the 499 rows past it are written at once, approximated', async () => {
  const client = gw.addClient('leaves long prompts');
  const n = 12;
  for (let i = 0; i < n; i++) await leftUpstream(client.key, i);
  // Three prompts fit under the bound and wait for the worker; the other nine do not wait (their
  // nine rows come only once all twelve were recorded).
  const fit = Math.floor(BOUND / PROMPT_CHARS);
  const early = await gw.waitForClientRows(client.id, n - fit);
  expect(early.length).toBe(n - fit);
  const held = counter.held!();
  expect(held.counts).toBe(fit);
  expect(held.chars).toBeLessThanOrEqual(BOUND);
  for (const row of early) {
    expect([row.status, row.estimated]).toEqual([499, true]);
    // ~4 characters a token, not the held worker's count (a token per character).
    expect(row.promptTokens).toBeGreaterThan(PROMPT_CHARS / 4);
    expect(row.promptTokens).toBeLessThan(PROMPT_CHARS / 2);
  }
  // Released, the worker answers the ones it held: every request has its row, counted by it.
  await counter.count([RELEASE_TEXT]);
  const all = await gw.waitForClientRows(client.id, n);
  expect(all.length).toBe(n);
  expect(all.filter((r) => r.promptTokens! >= PROMPT_CHARS).length).toBe(held.counts);
  expect(counter.held!()).toEqual({ counts: 0, chars: 0 });
});
