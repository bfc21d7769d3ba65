/** Images go through the same walk: a refused pool key is followed by the provider's next key. */
import { afterAll, expect, setDefaultTimeout, test } from 'bun:test';
import { addProviderKey } from '../../src/admin/provider-keys-service';
import { fixtureText, jsonResponse, rawJsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

const POOL_KEY = 'sk-images-pool-key-0000IMGS';
const fake = startFakeUpstream((req) =>
  req.headers.get('authorization') === `Bearer ${POOL_KEY}`
    ? jsonResponse({ error: { message: 'Rate limit', code: 'rate_limit_exceeded' } }, 429, { 'retry-after': '9' })
    : rawJsonResponse(fixtureText('images', 'openai-dalle3-url.json')),
);
let gw: TestGateway;
useGateway(async (g) => {
  gw = g;
  await addProviderKey(g.ctx, 'openai', { key: POOL_KEY, weight: 5 });
}, { env: providerEnv('openai', `${fake.url}/v1`) });
afterAll(() => fake.close());

test('images: the 429 of the weighted pick moves the call to the other key, and the row names both tries', async () => {
  const res = await gw.openai().images.generate({ model: 'dall-e-3', prompt: 'a red fox' }).withResponse();
  expect(res.response.headers.get('x-gophergate-provider')).toBe('openai');
  expect(fake.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${POOL_KEY}`, 'Bearer sk-test-openai-key-0123456789']);
  const id = res.response.headers.get('x-request-id');
  const row = (await gw.waitForEndpointLogs('images', 1)).find((l) => l.requestId === id)!;
  expect(row).toMatchObject({ status: 200, images: 1, providerKeyId: 'env' });
  expect(JSON.parse(row.attempts!).map((a: any) => [a.keyLast4, a.status])).toEqual([['IMGS', 429], ['6789', 200]]);
});
