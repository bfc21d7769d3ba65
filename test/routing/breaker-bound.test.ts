/**
 * `provider/<anything>` reaches its provider, so each failing invented model name used to add a
 * circuit that nothing removed (a success only closes its own model's). Driven over HTTP with a
 * healthy model in between (so the provider's own circuit never opens), the circuits held stay
 * within MAX_MODEL_CIRCUITS, and a real model's open circuit is not the one pushed out.
 */
import { afterAll, expect, test } from 'bun:test';
import { MAX_MODEL_CIRCUITS } from '../../src/routing/circuit-breaker';
import { okCompletion, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';

// gpt-4o and every invented name are overloaded (503, retryable); the others answer.
const fake = startFakeUpstream((_req, rec) =>
  rec.body.model === 'gpt-4o' || rec.body.model.startsWith('invented-')
    ? Response.json({ error: { message: 'Overloaded', type: 'server_error', code: null } }, { status: 503 })
    : okCompletion(rec.body.model),
);
let gw: TestGateway;
useGateway((g) => (gw = g), { env: providerEnv('openai', `${fake.url}/v1`) });
afterAll(() => fake.close());

const chat = async (model: string) => {
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) });
  await res.arrayBuffer();
  return res.status;
};

test('failing invented model names cannot grow the circuit breakers without bound', async () => {
  // A real model fails five times in a row: its circuit opens (its provider's serves other models).
  for (let i = 0; i < 5; i++) {
    expect(await chat('gpt-4o')).toBe(502);
    expect(await chat('gpt-4o-mini')).toBe(200);
  }
  expect(gw.ctx.breakers.list().find((c) => c.key === 'openai/gpt-4o')?.state).toBe('open');

  const invented = MAX_MODEL_CIRCUITS + 200;
  for (let i = 0; i < invented; i++) {
    expect(await chat(`openai/invented-${i}`)).toBe(502);
    // A success on the provider: its own circuit stays closed, as on a busy gateway.
    if (i % 2 === 0) expect(await chat('gpt-4o-mini')).toBe(200);
  }
  const held = gw.ctx.breakers.heldKeys();
  expect(held.filter((k) => k.includes('/')).length).toBe(MAX_MODEL_CIRCUITS);
  // The newest names are held (their failures count), the oldest were forgotten.
  expect(held).toContain(`openai/invented-${invented - 1}`);
  expect(held).not.toContain('openai/invented-0');
  // The open circuit of the real model outlived the flood: still refused without an upstream call.
  const calls = fake.requests.length;
  expect(await chat('gpt-4o')).toBe(503);
  expect(fake.requests.length).toBe(calls);
}, 60_000);
