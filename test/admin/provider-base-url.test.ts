/**
 * Base URLs pasted from providers' docs, which made every call 404 before: Anthropic's `…/v1`
 * (calls went to `…/v1/v1/messages`) and an OpenAI-compatible endpoint given whole
 * (`…/v1/chat/completions`, called as `…/v1/chat/completions/chat/completions`). Wherever the URL
 * is set (environment, admin API, Providers page) it is taken as meant, calls reach the real path,
 * and what was changed is said: the start's warning, `base_url_note` in the admin API's answer, a
 * line on the provider's card. Loopback fakes only (the known-host rule is tested on the pure
 * function: test/foundation/provider-base-url.test.ts).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureJson, jsonResponse, okCompletion, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { api, json, login, ADMIN_PASSWORD } from '../helpers/admin-harness';
import { startGatewayProcess } from '../helpers/gateway-process';

// One case spawns the server: seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(60_000);

let fake: FakeUpstream;
beforeAll(() => {
  fake = startFakeUpstream((req, rec) => {
    const path = new URL(req.url).pathname;
    if (path === '/v1/messages') return jsonResponse(fixtureJson('anthropic', 'text.json'));
    if (path === '/v1/chat/completions') return okCompletion(rec.body?.model ?? 'm');
    // DeepSeek's beta API, which alone serves a prefill (`prefix: true` on the final assistant turn).
    if (path === '/beta/chat/completions') return okCompletion(rec.body?.model ?? 'm');
    if (path === '/v1/embeddings') {
      return jsonResponse({ object: 'list', model: rec.body?.model, data: [{ object: 'embedding', index: 0, embedding: [0.25, -0.5] }], usage: { prompt_tokens: 2, total_tokens: 2 } });
    }
    return jsonResponse({ error: { message: `Invalid URL (${req.method} ${path})`, type: 'invalid_request_error', param: null, code: null } }, 404);
  });
});
afterAll(() => fake.close());

/** The model each provider is called with (`provider/<id>` is forwarded as is). */
const MODEL: Record<string, string> = {
  openai: 'openai/gpt-4o-mini', deepseek: 'deepseek/deepseek-chat', moonshot: 'moonshot/kimi-k2-0905-preview',
  grok: 'grok/grok-4', ollama: 'ollama/llama3.2', anthropic: 'anthropic/claude-sonnet-4-5',
};

async function chat(gw: TestGateway, provider: string): Promise<void> {
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: MODEL[provider], messages: [{ role: 'user', content: 'What is 2 + 2?' }] }) });
  expect(`${provider} ${res.status}`).toBe(`${provider} 200`);
  expect(`${provider} ${fake.last().path}`).toBe(`${provider} ${provider === 'anthropic' ? '/v1/messages' : '/v1/chat/completions'}`);
}

/** Each provider set the way its docs or curl examples show the URL (an endpoint, or Anthropic's /v1). */
const AS_PASTED: Record<string, string> = {
  openai: '/v1/embeddings', deepseek: '/v1/chat/completions', moonshot: '/v1/chat/completions/',
  grok: '/v1/responses', ollama: '/v1/chat/completions', anthropic: '/v1',
};

test('base URLs in the environment as the docs give them: every call reaches its real path, and the admin API says what was changed', async () => {
  const env = Object.assign({}, ...Object.entries(AS_PASTED).map(([id, suffix]) => providerEnv(id, `${fake.url}${suffix}`)));
  const gw = await startGateway({ env });
  try {
    for (const id of Object.keys(AS_PASTED)) await chat(gw, id);
    const emb = await gw.openai().embeddings.create({ model: 'openai/text-embedding-3-small', input: 'hello' });
    expect(emb.data[0]!.embedding).toEqual([0.25, -0.5]);
    expect(fake.last().path).toBe('/v1/embeddings');
    const admin = await login(gw, 'admin', ADMIN_PASSWORD);
    const list = (await json(await api(gw, 'GET', '/api/providers', { as: admin }))) as any;
    const byId = new Map<string, any>((list.data ?? list).map((p: any) => [p.id, p]));
    for (const [id, suffix] of Object.entries(AS_PASTED)) {
      const p = byId.get(id)!;
      expect(p.base_url).toBe(id === 'anthropic' ? fake.url : `${fake.url}/v1`);
      expect(p.base_url_note).toContain(`(${fake.url}${suffix.replace(/\/$/, '')}) ends in `);
      expect(p.base_url_note).toEndWith(`; using ${p.base_url}`);
    }
    expect(byId.get('gemini').base_url_note).toBeNull();
  } finally {
    await gw.close();
  }
});

test("DeepSeek's beta base URL pasted as its endpoint (…/beta/chat/completions): a prefill reaches /beta/chat/completions", async () => {
  const beta = { LLM_PROXY__PROVIDERS__DEEPSEEK__BETA_BASE_URL: `${fake.url}/beta/chat/completions/` };
  const gw = await startGateway({ env: providerEnv('deepseek', `${fake.url}/v1`, beta) });
  try {
    const messages = [{ role: 'user', content: 'Finish: the sky is' }, { role: 'assistant', content: 'The sky is', prefix: true }];
    const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'deepseek/deepseek-chat', messages }) });
    expect(res.status).toBe(200);
    expect(fake.last().path).toBe('/beta/chat/completions');
    expect(fake.last().body.messages.at(-1)).toEqual({ role: 'assistant', content: 'The sky is', prefix: true });
    expect(await gw.waitForRow(res)).toMatchObject({ status: 200, provider: 'deepseek' });
  } finally {
    await gw.close();
  }
});

test('PATCH /api/providers/{id}: stored and answered as calls use it, with a note saying what was changed; a URL the rules do not cover is kept', async () => {
  const gw = await startGateway({ env: { ...providerEnv('openai', 'http://127.0.0.1:9/v1'), ...providerEnv('anthropic', 'http://127.0.0.1:9'), ...providerEnv('grok', 'http://127.0.0.1:9/v1') } });
  const stored = (id: string) => (gw.ctx.sqlite.query('SELECT base_url FROM providers WHERE id = ?').get(id) as { base_url: string }).base_url;
  try {
    const admin = await login(gw, 'admin', ADMIN_PASSWORD);
    const o = await api(gw, 'PATCH', '/api/providers/openai', { as: admin, body: { base_url: `${fake.url}/v1/chat/completions/` } });
    expect(o.status).toBe(200);
    const ov = await json(o);
    expect(ov.base_url).toBe(`${fake.url}/v1`);
    expect(ov.base_url_note).toBe(
      `the base URL of provider openai (${fake.url}/v1/chat/completions) ends in /chat/completions, an endpoint the gateway appends itself ` +
        `({base}/chat/completions, /responses, /embeddings, /models); using ${fake.url}/v1`,
    );
    expect(stored('openai')).toBe(`${fake.url}/v1`);
    await chat(gw, 'openai');
    // Read again: the stored URL is the one in force, so there is nothing left to say.
    expect((await json(await api(gw, 'GET', '/api/providers/openai', { as: admin }))).base_url_note).toBeNull();

    const a = await json(await api(gw, 'PATCH', '/api/providers/anthropic', { as: admin, body: { base_url: `${fake.url}/v1/` } }));
    expect(a.base_url).toBe(fake.url);
    expect(a.base_url_note).toContain('ends in /v1, which the gateway appends itself');
    expect(stored('anthropic')).toBe(fake.url);
    await chat(gw, 'anthropic');
    // The native Messages API too (the Anthropic SDK's path).
    const native = await gw.fetch('/v1/messages', { method: 'POST', headers: { 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: MODEL.anthropic, max_tokens: 64, messages: [{ role: 'user', content: 'What is 2 + 2?' }] }) });
    expect(native.status).toBe(200);
    expect(fake.last().path).toBe('/v1/messages');

    // A host the rules do not know, without a version: kept as given (a relay's path is its own business).
    const g = await json(await api(gw, 'PATCH', '/api/providers/grok', { as: admin, body: { base_url: `${fake.url}/` } }));
    expect([g.base_url, g.base_url_note]).toEqual([fake.url, null]);
    expect(stored('grok')).toBe(fake.url);
    // An already right URL: no note.
    const right = await json(await api(gw, 'PATCH', '/api/providers/openai', { as: admin, body: { base_url: `${fake.url}/v1` } }));
    expect([right.base_url, right.base_url_note]).toEqual([`${fake.url}/v1`, null]);
  } finally {
    await gw.close();
  }
});

test("the Providers page's form: the card shows the URL stored and what was changed", async () => {
  const gw = await startGateway({ env: providerEnv('moonshot', 'http://127.0.0.1:9/v1') });
  try {
    const r = await fetch(`${gw.url}/login`, { method: 'POST', body: new URLSearchParams({ username: 'admin', password: ADMIN_PASSWORD }), redirect: 'manual' });
    const cookie = r.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (await fetch(`${gw.url}/providers`, { headers: { cookie } })).text();
    const csrf = JSON.parse(/hx-headers="([^"]+)"/.exec(page)![1]!.replaceAll('&#34;', '"'))['x-csrf-token'];
    const saved = await fetch(`${gw.url}/providers/moonshot`, {
      method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'hx-request': 'true' }, body: new URLSearchParams({ base_url: `${fake.url}/v1/chat/completions` }),
    });
    expect(saved.status).toBe(200);
    const html = await saved.text();
    expect(html).toContain(`<input name="base_url" value="${fake.url}/v1"`);
    expect(html).toContain(`Changed: the base URL of provider moonshot (${fake.url}/v1/chat/completions) ends in /chat/completions`);
    expect(html).toContain('Saved.');
    expect((gw.ctx.sqlite.query("SELECT base_url FROM providers WHERE id = 'moonshot'").get() as { base_url: string }).base_url).toBe(`${fake.url}/v1`);
    await chat(gw, 'moonshot');
    // The page read again: stored as used, nothing to say.
    const again = await (await fetch(`${gw.url}/providers`, { headers: { cookie } })).text();
    expect(again).not.toContain('base-url-note');
  } finally {
    await gw.close();
  }
});

test('a start with such URLs in the environment says once per provider which URL it uses', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-base-url-'));
  const g = await startGatewayProcess({
    cwd, dbPath: join(cwd, 'gg.db'), adminPassword: 'base-url-admin-1',
    env: {
      LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: `${fake.url}/v1/`, ANTHROPIC_API_KEY: 'sk-ant-test-0123456789',
      LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `${fake.url}/v1/chat/completions`, OPENAI_API_KEY: 'sk-test-openai-0123456789',
      LLM_PROXY__PROVIDERS__DEEPSEEK__BASE_URL: `${fake.url}/v1`, DEEPSEEK_API_KEY: 'sk-test-deepseek-0123456789',
      LLM_PROXY__PROVIDERS__DEEPSEEK__BETA_BASE_URL: `${fake.url}/beta/chat/completions`,
    },
  });
  g.proc.kill('SIGTERM');
  const out = await g.outAtExit();
  const anthropic = out.split('\n').filter((l) => l.includes('base URL of provider anthropic'));
  expect(anthropic).toEqual([`gophergate: the base URL of provider anthropic (${fake.url}/v1) ends in /v1, which the gateway appends itself ({base}/v1/messages); using ${fake.url} (set that to silence this line)`]);
  const openai = out.split('\n').filter((l) => l.includes('base URL of provider openai'));
  expect(openai).toHaveLength(1);
  expect(openai[0]).toContain(`(${fake.url}/v1/chat/completions) ends in /chat/completions`);
  expect(openai[0]).toContain(`using ${fake.url}/v1 (set that to silence this line)`);
  // DeepSeek's base URL is as calls use it; its beta base URL was pasted as the endpoint.
  const deepseek = out.split('\n').filter((l) => l.includes('provider deepseek'));
  expect(deepseek).toHaveLength(1);
  expect(deepseek[0]).toStartWith(`gophergate: the beta base URL of provider deepseek (${fake.url}/beta/chat/completions) ends in /chat/completions`);
  expect(deepseek[0]).toEndWith(`; using ${fake.url}/beta (set LLM_PROXY__PROVIDERS__DEEPSEEK__BETA_BASE_URL to that to silence this line)`);
});
