/**
 * Google's OpenAI-SDK guide gives `https://generativelanguage.googleapis.com/v1beta/openai/` as the
 * base URL, and operators set it as the Gemini provider's. The gateway speaks Gemini's native API
 * and appends `/v1beta/models/{model}:…` itself, so that URL made `…/v1beta/openai/v1beta/models/…`
 * and a 404 on every call. A trailing `/v1beta/openai`, `/v1beta` or `/v1` is taken off wherever
 * the URL comes from (the environment, the admin API, the Providers page): the admin API stores and
 * shows the URL calls use, and a start with such a URL in the environment says so in one line.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { api, json, login, ADMIN_PASSWORD } from '../helpers/admin-harness';
import { startGatewayProcess } from '../helpers/gateway-process';

// One case spawns the server: seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(60_000);

let fake: FakeUpstream;
beforeAll(() => {
  fake = startFakeUpstream((req) =>
    new URL(req.url).pathname.startsWith('/v1beta/models/')
      ? jsonResponse(fixtureJson('gemini', 'text.json'))
      : jsonResponse({ error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } }, 404),
  );
});
afterAll(() => fake.close());

async function chat(gw: TestGateway): Promise<Response> {
  return gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content: 'What is 2 + 2?' }] }) });
}

for (const suffix of ['/v1beta/openai/', '/v1beta/openai', '/v1beta', '/v1/']) {
  test(`LLM_PROXY__PROVIDERS__GEMINI__BASE_URL ending in ${suffix}: calls go to the native path, the admin API shows the URL they use`, async () => {
    const gw = await startGateway({ env: providerEnv('gemini', `${fake.url}${suffix}`) });
    try {
      const res = await chat(gw);
      expect(res.status).toBe(200);
      expect(fake.last().path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
      const admin = await login(gw, 'admin', ADMIN_PASSWORD);
      const p = await json(await api(gw, 'GET', '/api/providers/gemini', { as: admin }));
      expect(p.base_url).toBe(fake.url);
    } finally {
      await gw.close();
    }
  });
}

test('PATCH /api/providers/gemini with the OpenAI-compatible URL: stored and answered without the suffix, and calls work', async () => {
  const gw = await startGateway({ env: providerEnv('gemini', 'http://127.0.0.1:9') });
  try {
    const admin = await login(gw, 'admin', ADMIN_PASSWORD);
    const r = await api(gw, 'PATCH', '/api/providers/gemini', { as: admin, body: { base_url: `${fake.url}/v1beta/openai/` } });
    expect(r.status).toBe(200);
    expect((await json(r)).base_url).toBe(fake.url);
    const stored = gw.ctx.sqlite.query("SELECT base_url FROM providers WHERE id = 'gemini'").get() as { base_url: string };
    expect(stored.base_url).toBe(fake.url);
    expect((await chat(gw)).status).toBe(200);
    expect(fake.last().path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    // Another provider's base URL keeps its path: OpenAI-compatible ones end where /chat/completions is appended.
    const o = await api(gw, 'PATCH', '/api/providers/openai', { as: admin, body: { base_url: `${fake.url}/v1` } });
    expect((await json(o)).base_url).toBe(`${fake.url}/v1`);
  } finally {
    await gw.close();
  }
});

test('a start with the OpenAI-compatible Gemini URL in the environment says once which URL it uses', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-gemini-base-'));
  const g = await startGatewayProcess({
    cwd, dbPath: join(cwd, 'gg.db'), adminPassword: 'gemini-base-admin-1',
    env: { LLM_PROXY__PROVIDERS__GEMINI__BASE_URL: `${fake.url}/v1beta/openai/`, GEMINI_API_KEY: 'AIzaSy-test-key-0123456789' },
  });
  g.proc.kill('SIGTERM');
  const out = await g.outAtExit();
  const lines = out.split('\n').filter((l) => l.includes('base URL of provider gemini'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`(${fake.url}/v1beta/openai)`);
  expect(lines[0]).toContain(`using ${fake.url}`);
});
