/**
 * Key states per model are bounded (MAX_SCOPED_STATES): a client can name any `openai/<model>`, and
 * OpenAI's 404 for one that does not exist ("… does not exist or you do not have access to it.")
 * sets the key aside for that model. Once the bound is full, a new model's state must push out an
 * old one, never fall back to the whole key: that let any client key, by naming enough unknown
 * models, set the provider's only key aside for every model and every client until an admin
 * changed it. The bound is made small here (the default is 4,096) so a few requests fill it.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { ProviderKeyPool } from '../../src/key-pool/key-pool';
import { MemoryKeyStateStore } from '../../src/key-pool/key-state-store';
import { envKeyOf } from '../helpers/env-key';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

const BOUND = 20;
let openai: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  openai = startFakeUpstream((_req, rec) =>
    rec.body.model === 'gpt-4o'
      ? jsonResponse(fixtureJson('openai', 'chat.json'))
      : jsonResponse({ error: { message: `The model \`${rec.body.model}\` does not exist or you do not have access to it.`, type: 'invalid_request_error', param: null, code: 'model_not_found' } }, 404),
  );
  gw = await startGateway({ env: providerEnv('openai', `${openai.url}/v1`), keyPool: new ProviderKeyPool(new MemoryKeyStateStore(BOUND)) });
});
afterAll(async () => {
  await gw.close();
  openai.close();
});

async function chat(model: string) {
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) });
  const body = (await res.json()) as any;
  return { status: res.status, code: body.error?.code as string | undefined };
}

test('unknown models past the bound keep the key for every other model; the states stay within the bound', async () => {
  const models = Array.from({ length: 3 * BOUND }, (_, i) => `nope-${i}-${crypto.randomUUID()}`);
  for (const m of models) expect(await chat(`openai/${m}`)).toEqual({ status: 404, code: 'model_not_found' });
  const env = envKeyOf(gw);
  expect(gw.ctx.keyPool.stateOf('openai', env).state).toBe('active');
  expect(gw.ctx.keyPool.stateOf('openai', env, 'gpt-4o').state).toBe('active');
  expect((await chat('openai/gpt-4o')).status).toBe(200);
  const states = (gw.ctx.keyPool.states as any).states as Map<string, unknown>;
  expect(states.size).toBeLessThanOrEqual(BOUND + 1);
  // The newest models' states are the ones kept.
  expect(gw.ctx.keyPool.stateOf('openai', env, models.at(-1)).state).toBe('set_aside');
});
