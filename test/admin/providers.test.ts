import { afterAll, describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { api, json, makeUser, useAdminGateway, type Session } from '../helpers/admin-harness';

let gw: TestGateway;
let admin: Session;
let fake: FakeUpstream;
const SECRET = 'sk-proj-PLAINTEXT-provider-key-7f3a9c1e5b2d4f60';

useAdminGateway((s) => {
  ({ gw, admin } = s);
  fake = startFakeUpstream((req) => {
    if (new URL(req.url).pathname !== '/v1/models') return jsonResponse({ error: { message: 'not here' } }, 404);
    return req.headers.get('authorization') === `Bearer ${SECRET}`
      ? jsonResponse({ object: 'list', data: [{ id: 'gpt-4o' }, { id: 'gpt-4o-mini' }] })
      : jsonResponse({ error: { message: `Incorrect API key provided: ${req.headers.get('authorization')?.slice(7)}` } }, 401);
  });
});
afterAll(() => fake.close());

/** Every byte SQLite wrote for this database: the main file, the WAL and shared memory. */
function rawDatabaseBytes(): Buffer {
  const dbPath = gw.ctx.config.database.path;
  const dir = dirname(dbPath);
  const files = readdirSync(dir).filter((f) => f.startsWith('gophergate.db'));
  expect(files).toContain('gophergate.db');
  return Buffer.concat(files.map((f) => readFileSync(join(dir, f))));
}

describe('providers', () => {
  test('an API key is stored only encrypted: the raw database bytes never contain it', async () => {
    const r = await api(gw, 'PATCH', '/api/providers/openai', { as: admin, body: { api_key: SECRET, base_url: `${fake.url}/v1`, enabled: true } });
    expect(r.status).toBe(200);
    const text = await r.clone().text();
    expect(text).not.toContain(SECRET);
    const p = await json(r);
    expect(p).toMatchObject({ id: 'openai', enabled: true, has_key: true, key_source: 'dashboard', api_key_last4: SECRET.slice(-4), base_url: `${fake.url}/v1` });
    // The request path sees the decrypted key at once.
    expect(gw.ctx.state.getSnapshot().providers.get('openai')!.apiKey).toBe(SECRET);

    gw.ctx.sqlite.exec('PRAGMA wal_checkpoint(FULL)');
    const raw = rawDatabaseBytes();
    // The scan does see what was written in the same update (the base URL is stored as text).
    expect(raw.includes(Buffer.from(`${fake.url}/v1`))).toBe(true);
    expect(raw.includes(Buffer.from(SECRET))).toBe(false);
    // a meaningful part of it neither (e.g. in another encoding of the same bytes)
    expect(raw.includes(Buffer.from(SECRET.slice(0, 24)))).toBe(false);
    expect(raw.includes(Buffer.from(Buffer.from(SECRET).toString('base64').slice(0, 24)))).toBe(false);
  });

  test('lists and reads never return the key', async () => {
    for (const path of ['/api/providers', '/api/providers/openai']) {
      const text = await (await api(gw, 'GET', path, { as: admin })).text();
      expect(text).toContain('"api_key_last4"');
      expect(text).not.toContain(SECRET);
    }
    const list = (await json(await api(gw, 'GET', '/api/providers', { as: admin }))).data as any[];
    expect(list.map((p) => p.id).sort()).toEqual(['anthropic', 'deepseek', 'gemini', 'grok', 'mock', 'moonshot', 'ollama', 'openai']);
    for (const p of list) {
      expect(['closed', 'open', 'half_open']).toContain(p.circuit);
      expect(typeof p.recent_error_rate).toBe('number');
    }
  });

  test('test connection lists the upstream models with the stored key', async () => {
    const r = await api(gw, 'POST', '/api/providers/openai/test', { as: admin });
    expect(r.status).toBe(200);
    expect(await json(r)).toMatchObject({ ok: true, status: 200, models: 2, error: null });
    expect(fake.last().path).toBe('/v1/models');
    expect(fake.last().headers.authorization).toBe(`Bearer ${SECRET}`);
  });

  test('a failing test says why without echoing the key', async () => {
    const wrong = 'sk-wrong-key-abcdefghijklmnop';
    await api(gw, 'PATCH', '/api/providers/openai', { as: admin, body: { api_key: wrong } });
    const b = await json(await api(gw, 'POST', '/api/providers/openai/test', { as: admin }));
    expect(b).toMatchObject({ ok: false, status: 401 });
    expect(b.error).toContain('401');
    expect(b.error).not.toContain(wrong);
    // connection refused: a closed loopback port
    const closed = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') });
    const port = closed.port;
    closed.stop(true);
    await api(gw, 'PATCH', '/api/providers/ollama', { as: admin, body: { base_url: `http://127.0.0.1:${port}/v1`, enabled: true } });
    const refused = await json(await api(gw, 'POST', '/api/providers/ollama/test', { as: admin }));
    expect(refused).toMatchObject({ ok: false, status: null });
    expect(typeof refused.error).toBe('string');
  });

  test('null clears values back to the environment; bad URLs and unknown providers are refused', async () => {
    const cleared = await json(await api(gw, 'PATCH', '/api/providers/openai', { as: admin, body: { api_key: null, base_url: null, enabled: null } }));
    expect(cleared).toMatchObject({ has_key: false, api_key_last4: null, key_source: null, base_url: 'https://api.openai.com/v1', enabled: false });
    for (const base_url of ['not a url', 'ftp://example.com', 'http://user:pw@127.0.0.1/v1']) {
      const r = await api(gw, 'PATCH', '/api/providers/openai', { as: admin, body: { base_url } });
      expect(r.status).toBe(400);
      expect((await json(r)).error.param).toBe('base_url');
    }
    expect((await api(gw, 'PATCH', '/api/providers/nope', { as: admin, body: { enabled: true } })).status).toBe(404);
    expect((await api(gw, 'PATCH', '/api/providers/openai', { as: admin, body: { enabled: 'yes' } })).status).toBe(400);
  });

  test('a viewer can read providers but not change or test them', async () => {
    const viewer = await makeUser(gw, admin, 'pviewer', 'viewer');
    expect((await api(gw, 'GET', '/api/providers', { as: viewer })).status).toBe(200);
    expect((await api(gw, 'PATCH', '/api/providers/openai', { as: viewer, body: { enabled: true } })).status).toBe(403);
    expect((await api(gw, 'POST', '/api/providers/openai/test', { as: viewer })).status).toBe(403);
  });
});
