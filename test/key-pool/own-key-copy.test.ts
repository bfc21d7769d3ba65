/**
 * A pool row holding the provider's own key (the env key was changed to a key already added, or
 * `main` was set to one): the pool holds each secret once. Before, the same secret sat in the pool
 * twice: twice its weight, and a 429 on it was sent again at once with the same key.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { addProviderKey, listProviderKeys } from '../../src/admin/provider-keys-service';
import { providerKeys } from '../../src/db/schema';
import { ownKeyCopyWarnings } from '../../src/startup/own-key-copy-warnings';
import { jsonResponse, replayJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

const ENV_KEY = 'sk-test-openai-key-0123456789'; // providerEnv's
const OTHER = 'sk-pool-other-key-working-QRST';

let openai: FakeUpstream;
let gw: TestGateway;
let copyId: string;

beforeAll(async () => {
  openai = startFakeUpstream((req, rec, fake) =>
    req.headers.get('authorization') === `Bearer ${ENV_KEY}`
      ? jsonResponse({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, 429, { 'retry-after': '30' })
      : replayJson('openai', 'chat.json')(req, rec, fake),
  );
  gw = await startGateway({ env: providerEnv('openai', `${openai.url}/v1`) });
  // The row an admin added while OPENAI_API_KEY was another key; the variable was then set to it
  // (the API refuses such an add now that it is the env key, so the row is written as it was then).
  const box = gw.ctx.secretBox;
  const [row] = gw.ctx.db
    .insert(providerKeys)
    .values({ provider: 'openai', keyEncrypted: box.encrypt(ENV_KEY), keyFingerprint: box.fingerprint(ENV_KEY), keyLast4: '6789', label: 'copy', weight: 1, createdAt: Date.now() })
    .returning({ id: providerKeys.id })
    .all();
  copyId = String(row!.id);
  await addProviderKey(gw.ctx, 'openai', { key: OTHER, label: 'other' });
});
afterAll(async () => {
  await gw.close();
  openai.close();
});

test('the secret is tried once per request: a 429 on the env key goes to the other key, not to its copy', async () => {
  const { response } = await gw.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  expect(response.status).toBe(200);
  const seen = openai.requests.map((r) => r.headers.authorization);
  expect(seen.filter((a) => a === `Bearer ${ENV_KEY}`).length).toBe(1); // before: 2
  expect(seen.at(-1)).toBe(`Bearer ${OTHER}`);
  expect(gw.ctx.state.getSnapshot().providers.get('openai')!.keys!.map((k) => k.id)).not.toContain(copyId);
});

test('the listing says the copy is the provider\'s own key and is not used apart', async () => {
  const copy = (await listProviderKeys(gw.ctx, 'openai')).find((k) => k.id === copyId)!;
  expect(copy).toMatchObject({ label: 'copy', last4: '6789', state: 'set_aside' });
  expect((copy as any).error).toContain("the provider's own key ('env')");
});

test('the start names the copy, by id, never the key', () => {
  const lines = ownKeyCopyWarnings(gw.ctx.state.getSnapshot());
  expect(lines).toEqual([expect.stringContaining(`pool key ${copyId} of provider openai is the provider's own key ('env')`)]);
  expect(lines.join()).not.toContain(ENV_KEY);
});
