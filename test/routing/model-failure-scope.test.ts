/**
 * What a failure counts against. One model failing (overloaded with 503s, with no other traffic)
 * opens that model's circuit only: the provider's other models keep serving. The provider's
 * circuit opens when the provider fails as a whole: it cannot be reached (or times out), or
 * several of its models fail in a row. Real gateway with the default breakers, fake xAI upstream
 * on loopback, plain HTTP.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'bun:test';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

let grok: FakeUpstream;
let gw: TestGateway;
/** Models the fake answers 503 for; the others get the recorded completion. */
let failing = new Set<string>();

beforeAll(async () => {
  grok = startFakeUpstream((_req, rec) =>
    failing.has(rec.body.model) ? jsonResponse({ error: { message: 'The model is overloaded.' } }, 503) : jsonResponse(fixtureJson('grok', 'chat.json')),
  );
  gw = await startGateway({ env: providerEnv('grok', `${grok.url}/v1`) });
});
afterAll(async () => {
  await gw.close();
  grok.close();
});
beforeEach(() => gw.ctx.breakers.reset());

const chat = async (g: TestGateway, model: string) => {
  const res = await g.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) });
  const body = await res.json();
  return { status: res.status, code: body.error?.code as string | undefined };
};
const health = async (g: TestGateway) => (await (await fetch(`${g.url}/health`)).json()).providers.grok;

test("one model failing over and over opens its own circuit only: the provider's other models still answer", async () => {
  failing = new Set(['grok-4.3']);
  for (let i = 0; i < 5; i++) expect(await chat(gw, 'grok-4.3')).toEqual({ status: 502, code: 'upstream_error' });
  for (let i = 0; i < 5; i++) expect(await chat(gw, 'grok-4.3')).toEqual({ status: 503, code: 'circuit_open' });
  expect(await chat(gw, 'grok-3-mini')).toEqual({ status: 200, code: undefined });
  expect(await health(gw)).toMatchObject({ circuit: 'closed', model_circuits: [{ model: 'grok-4.3', circuit: 'open' }] });
});

test("several models failing in a row open the provider's circuit: a third model is refused without a call", async () => {
  failing = new Set(['grok-4.3', 'grok-3-mini']);
  for (let i = 0; i < 5; i++) expect((await chat(gw, i % 2 ? 'grok-3-mini' : 'grok-4.3')).status).toBe(502);
  const calls = grok.requests.length;
  expect(await chat(gw, 'grok/grok-code-fast-1')).toEqual({ status: 503, code: 'circuit_open' });
  expect(grok.requests.length).toBe(calls);
  expect((await health(gw)).circuit).toBe('open');
});

test("connection refused on one model's calls opens the provider's circuit: every model is refused", async () => {
  const dead = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') });
  const port = dead.port;
  dead.stop(true);
  const down = await startGateway({ env: providerEnv('grok', `http://127.0.0.1:${port}/v1`) });
  try {
    for (let i = 0; i < 5; i++) expect(await chat(down, 'grok-4.3')).toEqual({ status: 502, code: 'upstream_unreachable' });
    expect(await chat(down, 'grok-3-mini')).toEqual({ status: 503, code: 'circuit_open' });
    expect((await health(down)).circuit).toBe('open');
  } finally {
    await down.close();
  }
});
