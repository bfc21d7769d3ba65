/**
 * GET /v1/models and /v1/models/{id} in OpenAI's shape, for every provider's models (a key for
 * each), the mock's and the groups: the raw JSON validates by Ajv against OpenAI's
 * ListModelsResponse and Model (`created` in whole seconds, `object` "model", `owned_by` a string),
 * the models an Ollama upstream has pulled (its /api/tags, test/fixtures/ollama/tags.json) among them.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { fixtureJson, jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { openaiSchemaErrors } from '../helpers/openai-schema';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

const PROVIDERS = ['openai', 'gemini', 'deepseek', 'moonshot', 'grok', 'ollama', 'anthropic'];
let gw: TestGateway;
/** Ollama's native model list (the only call here: listing models reads the gateway's own table, and Ollama's pulled ones). */
const ollama = startFakeUpstream((_req, rec) => (rec.path === '/api/tags' ? jsonResponse(fixtureJson('ollama', 'tags.json')) : jsonResponse({ error: 'not here' }, 404)));
beforeAll(async () => {
  const env: Record<string, string> = { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', LLM_PROXY__PROVIDERS__OPENAI__MODELS: 'ft:gpt-4o-mini:acme::abc123' };
  // Never called: listing models reads the gateway's own table.
  for (const p of PROVIDERS) Object.assign(env, providerEnv(p, p === 'ollama' ? `${ollama.url}/v1` : 'http://127.0.0.1:9/v1'));
  gw = await startGateway({ env });
});
afterAll(async () => {
  await gw.close();
  ollama.close();
});

test('the list, and each model read by its id, validate as ListModelsResponse and Model', async () => {
  const res = await gw.fetch('/v1/models');
  expect(res.status).toBe(200);
  const list = await res.json();
  expect(openaiSchemaErrors('ListModelsResponse', list)).toEqual([]);
  const owners = new Set(list.data.map((m: any) => m.owned_by));
  for (const p of PROVIDERS) expect(owners.has(p)).toBe(true);
  expect(list.data.some((m: any) => m.id === 'mock/echo')).toBe(true);
  expect(list.data.some((m: any) => m.id === 'ollama/deepseek-r1:14b')).toBe(true);
  for (const m of list.data) {
    const one = await gw.fetch(`/v1/models/${encodeURIComponent(m.id)}`);
    expect({ id: m.id, status: one.status }).toEqual({ id: m.id, status: 200 });
    const body = await one.json();
    expect(openaiSchemaErrors('Model', body)).toEqual([]);
    expect(body.id).toBe(m.id);
  }
});
