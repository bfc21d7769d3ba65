/**
 * A half-open circuit's probe that is a stream: once its first chunk arrived the model answers
 * again, so the circuit closes then, not when the stream ends. A long probe stream held every
 * other request to the model named directly at 503 `circuit_open` (retry-after 1) for as long as
 * it ran. A stream that then fails mid-way still counts as one failure. The official openai
 * client against a fake upstream on loopback; breakers with an injected clock.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { createBreakerRegistry } from '../../src/routing/circuit-breaker';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

let fake: FakeUpstream;
let gw: TestGateway;
let clock = 7_000_000;
const breakers = createBreakerRegistry({ failureThreshold: 2, cooldownMs: 30_000, now: () => clock });
beforeAll(async () => {
  fake = startFakeUpstream(() => jsonResponse({ error: { message: 'model overloaded' } }, 503));
  gw = await startGateway({ env: providerEnv('openai', fake.url), breakers });
});
afterAll(async () => {
  await gw.close();
  fake.close();
});

const MODEL = 'gpt-4o-mini';
const ask = () => gw.openai().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });

test('a probe stream closes the circuit at its first chunk: a request meanwhile is served, not refused', async () => {
  for (let i = 0; i < 2; i++) await apiError(ask());
  expect((await apiError(ask())).code).toBe('circuit_open');
  clock += 30_000; // half-open: one probe may go

  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const chunks = readChunks('openai', 'text.chunks.txt');
  fake.handler = (_req, rec) => (rec.body.stream ? sseResponse(chunks, { holdAt: { at: 1, until: held } }) : jsonResponse(fixtureJson('openai', 'chat.json')));
  const probe = await gw.openai().chat.completions.create({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'hi' }] });
  const it = probe[Symbol.asyncIterator]();
  expect((await it.next()).done).toBe(false); // the probe's first chunk reached the client; its stream is still open

  const served = await ask();
  expect(served.choices[0]!.message.content).toBeString();

  release();
  for (let r = await it.next(); !r.done; r = await it.next());
});
