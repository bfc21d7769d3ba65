/**
 * `/health` shows each provider's keys by state: a provider whose every key was refused (401)
 * answers 502 while its circuit stays closed, so the circuit alone told the operator nothing.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { addProviderKey } from '../../src/admin/provider-keys-service';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { openaiRefusingKeys } from '../helpers/openai-key-refusals';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

const REVOKED = 'sk-pool-revoked-key-000000RVKD';
const LIMITED = 'sk-pool-limited-key-000000LMTD';

let openai: FakeUpstream;
let gw: TestGateway;

beforeAll(async () => {
  openai = startFakeUpstream(openaiRefusingKeys({ revoked: [REVOKED], limited: { [LIMITED]: '120' } }));
  gw = await startGateway({ env: providerEnv('openai', `${openai.url}/v1`) });
  await addProviderKey(gw.ctx, 'openai', { key: REVOKED, label: 'revoked', weight: 100 });
  await addProviderKey(gw.ctx, 'openai', { key: LIMITED, label: 'limited', weight: 50 });
});
afterAll(async () => {
  await gw.close();
  openai.close();
});

const health = async () => ((await (await fetch(`${gw.url}/health`)).json()) as any).providers;

test("each provider with keys lists how many are active, cooling and set aside; the circuit stays closed", async () => {
  expect((await health()).openai.keys).toEqual({ active: 3, cooling: 0, set_aside: 0 });
  // The revoked key (the weighted pick) is refused, the limited one cools down (OpenAI: for this model), the env key answers.
  const { response } = await gw.openai().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  expect(response.status).toBe(200);
  const p = await health();
  expect(p.openai.keys).toEqual({ active: 2, cooling: 0, set_aside: 1 }); // the 429 rests the key for gpt-4o-mini only
  expect(p.openai.circuit).toBe('closed');
  expect(JSON.stringify(p)).not.toContain(REVOKED);
  // A provider without keys (Ollama) shows none.
  expect(p.ollama.keys).toBeUndefined();
});
