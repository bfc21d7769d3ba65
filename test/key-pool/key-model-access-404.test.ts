/**
 * A pool key whose account cannot use a model, said with a 404: OpenAI's model_not_found "The model
 * `gpt-4o-mini` does not exist or you do not have access to it." (a project without access),
 * Moonshot's "Not found the model kimi-k2.6 or Permission denied". The other keys serve the model:
 * the request goes on to the next key and the key is set aside for that model only, as for a 403
 * refusing one model, instead of every other request answering 404. Fake upstreams on loopback,
 * their real error bodies, one gateway.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'bun:test';
import { addProviderKey } from '../../src/admin/provider-keys-service';
import { ProviderKeyPool } from '../../src/key-pool/key-pool';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

const NO_ACCESS = 'sk-no-access-key-abcdWXYZ';
let openai: FakeUpstream;
let moonshot: FakeUpstream;
let gw: TestGateway;
const ids: Record<string, string> = {};
/** Answers the provider's no-access 404 for NO_ACCESS (or every key, when `allRefused`), else its completion. */
let allRefused = false;
const refusesKey = (req: Request) => allRefused || req.headers.get('authorization') === `Bearer ${NO_ACCESS}`;

beforeAll(async () => {
  openai = startFakeUpstream((req, rec) =>
    refusesKey(req) && rec.body.model === 'gpt-4o-mini'
      ? jsonResponse({ error: { message: `The model \`${rec.body.model}\` does not exist or you do not have access to it.`, type: 'invalid_request_error', param: null, code: 'model_not_found' } }, 404)
      : jsonResponse(fixtureJson('openai', 'chat.json')),
  );
  moonshot = startFakeUpstream((req, rec) =>
    refusesKey(req) ? jsonResponse({ error: { message: `Not found the model ${rec.body.model} or Permission denied`, type: 'resource_not_found_error' } }, 404) : jsonResponse(fixtureJson('moonshot', 'chat.json')),
  );
  gw = await startGateway({ env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('moonshot', `${moonshot.url}/v1`) } });
  for (const p of ['openai', 'moonshot'] as const) ids[p] = (await addProviderKey(gw.ctx, p, { key: NO_ACCESS, label: 'no-access', weight: 3 })).id;
});
afterAll(async () => {
  await gw.close();
  openai.close();
  moonshot.close();
});
beforeEach(() => {
  gw.ctx.keyPool = new ProviderKeyPool();
  allRefused = false;
});

async function chat(model: string) {
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }) });
  const body = (await res.json()) as any;
  return { status: res.status, code: body.error?.code as string | undefined, row: await gw.waitForRow(res) };
}

for (const [provider, model] of [['openai', 'gpt-4o-mini'], ['moonshot', 'kimi-k2.6']] as const) {
  test(`${provider}: the key without access to ${model} is passed over for the next key and set aside for that model`, async () => {
    // The weighted pick (3:1) goes to the key without access first.
    const first = await chat(`${provider}/${model}`);
    expect([first.status, first.row.providerKeyId]).toEqual([200, 'env']);
    expect(JSON.parse(first.row.attempts!).map((a: any) => [a.keyId, a.status])).toEqual([[ids[provider], 404], ['env', 200]]);
    expect(gw.ctx.keyPool.stateOf(provider, ids[provider]!, model).state).toBe('set_aside');
    // Every later request goes to the key that has access.
    for (let i = 0; i < 4; i++) expect((await chat(`${provider}/${model}`)).row.attempts).toBeNull();
  });
}

test("the key is set aside for that model only (OpenAI: its other models keep using it)", async () => {
  await chat('openai/gpt-4o-mini');
  expect(gw.ctx.keyPool.stateOf('openai', ids.openai!).state).toBe('active');
  expect(gw.ctx.keyPool.stateOf('openai', ids.openai!, 'gpt-4o').state).toBe('active');
});

test('every key answers 404: the model is not served there, the client gets model_not_found as before', async () => {
  allRefused = true;
  const r = await chat('openai/gpt-4o-mini');
  expect([r.status, r.code]).toEqual([404, 'model_not_found']);
  expect(JSON.parse(r.row.attempts!).map((a: any) => a.status)).toEqual([404, 404]);
  expect(gw.ctx.breakers.available('openai', 'gpt-4o-mini')).toBe(true);
});
