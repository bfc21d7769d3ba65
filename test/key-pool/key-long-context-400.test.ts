/**
 * A pool key whose Anthropic account lacks the 1M-context beta: Anthropic answers a request with
 * `anthropic-beta: context-1m-2025-08-07` 400 invalid_request_error "The long context beta is not
 * yet available for this subscription." (anthropics/claude-code#27944, #6871). That is the key's
 * account, not the request: the pool's next key is tried, as for a model-access 404, and the key set
 * aside for the model's 1M window only. When no key has the beta, the client gets Anthropic's 400.
 * Through the Anthropic SDK on /v1/messages and the openai SDK on chat; a fake Anthropic on loopback.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { addProviderKey } from '../../src/admin/provider-keys-service';
import { ProviderKeyPool } from '../../src/key-pool/key-pool';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

const NO_1M = 'sk-ant-no-long-context-abcdWXYZ';
const ENV_KEY = 'sk-test-anthropic-key-0123456789';
const BETA = 'context-1m-2025-08-07';
const MODEL = 'claude-sonnet-4-5';
const REFUSAL = 'The long context beta is not yet available for this subscription.';
let fake: FakeUpstream;
let gw: TestGateway;
let keyId = '';
/** Every key's account lacks the beta (else only NO_1M's). */
let allLack = false;

beforeAll(async () => {
  fake = startFakeUpstream((req, rec) =>
    (allLack || req.headers.get('x-api-key') === NO_1M) && (req.headers.get('anthropic-beta') ?? '').includes('context-1m-')
      ? jsonResponse({ type: 'error', error: { type: 'invalid_request_error', message: REFUSAL }, request_id: 'req_011CYRQ9cQJjTy2DHBkbPsQD' }, 400)
      : jsonResponse(fixtureJson('anthropic', 'text.json')),
  );
  gw = await startGateway({ env: providerEnv('anthropic', `${fake.url}/v1`) });
  // Weight 3 to the env key's 1: the weighted pick tries the key without the beta first.
  keyId = (await addProviderKey(gw.ctx, 'anthropic', { key: NO_1M, label: 'no-1m', weight: 3 })).id;
});
afterAll(async () => {
  await gw.close();
  fake.close();
});
beforeEach(() => {
  gw.ctx.keyPool = new ProviderKeyPool();
  fake.requests.length = 0;
  allLack = false;
});

/** The keys the fake saw, in order, as names. */
const keysSeen = () => fake.requests.map((r) => (r.headers['x-api-key'] === NO_1M ? 'no-1m' : r.headers['x-api-key'] === ENV_KEY ? 'env' : '?'));
const attemptsOf = (row: { attempts?: string | null }) => JSON.parse(row.attempts!).map((a: any) => [a.keyId, a.status]);

const anthropic = () => new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0 });
const openai = () => new OpenAI({ apiKey: gw.clientKey, baseURL: `${gw.url}/v1`, maxRetries: 0, defaultHeaders: { 'anthropic-beta': BETA } });
const messages = () => anthropic().beta.messages.create({ model: MODEL, max_tokens: 50, betas: [BETA], messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
const chat = () => openai().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] }).withResponse();

for (const [api, call] of [['/v1/messages (Anthropic SDK)', messages], ['chat (openai SDK)', chat]] as const) {
  test(`${api}: the key whose account lacks the 1M beta is passed over for the next key, set aside for the model's 1M window only`, async () => {
    const { response } = await call();
    expect(response.status).toBe(200);
    expect(keysSeen()).toEqual(['no-1m', 'env']);
    expect(fake.requests.every((r) => r.headers['anthropic-beta']?.includes(BETA))).toBe(true);
    const row = await gw.waitForRow(response);
    expect([row.status, row.providerKeyId]).toEqual([200, 'env']);
    expect(attemptsOf(row)).toEqual([[keyId, 400], ['env', 200]]);
    expect(gw.ctx.keyPool.stateOf('anthropic', keyId, `${MODEL}[1m]`).state).toBe('set_aside');
    expect(gw.ctx.keyPool.stateOf('anthropic', keyId, MODEL).state).toBe('active');
    // The next 1M request goes straight to the key that has it.
    fake.requests.length = 0;
    const again = await call();
    expect(keysSeen()).toEqual(['env']);
    expect((await gw.waitForRow(again.response)).attempts).toBeNull();
  });
}

test('requests without the beta keep using the key (it still serves the model)', async () => {
  await messages();
  fake.requests.length = 0;
  for (let i = 0; i < 4; i++) await anthropic().messages.create({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] });
  expect(keysSeen()).toContain('no-1m');
  expect(fake.requests.every((r) => r.headers['anthropic-beta'] === undefined)).toBe(true);
});

test("no key has the beta, /v1/messages: Anthropic's 400 in Anthropic's shape, each key tried once", async () => {
  allLack = true;
  const err = await messages().catch((e) => e);
  expect(err).toBeInstanceOf(Anthropic.BadRequestError);
  expect(err.status).toBe(400);
  expect(err.error.type).toBe('error');
  expect(err.error.error.type).toBe('invalid_request_error');
  expect(err.error.error.message).toContain(REFUSAL);
  expect(keysSeen()).toEqual(['no-1m', 'env']);
  const row = await gw.waitForRow(err.headers.get('x-request-id'));
  expect(row.status).toBe(400);
  expect(attemptsOf(row)).toEqual([[keyId, 400], ['env', 400]]);
  expect(gw.ctx.breakers.available('anthropic', MODEL)).toBe(true);
});

test("no key has the beta, chat: Anthropic's 400 in OpenAI's shape, each key tried once", async () => {
  allLack = true;
  const err = await apiError(chat());
  expect(err.status).toBe(400);
  expect((err.error as any).type).toBe('invalid_request_error');
  expect(err.message).toContain(REFUSAL);
  expect(keysSeen()).toEqual(['no-1m', 'env']);
  const row = await gw.waitForRow(err.headers!.get('x-request-id')!);
  expect(row.status).toBe(400);
  expect(attemptsOf(row)).toEqual([[keyId, 400], ['env', 400]]);
});
