/**
 * What a fresh install tells the operator, over real HTTP:
 * - the Usage page with no usage lists the steps to a first request in order, each with its link:
 *   a provider with its key (a key alone gets nowhere), then a client key, then the request; a
 *   step is marked done once it is;
 * - enabling a provider that needs a key and has none says so (every request to it then fails),
 *   not a bare "Saved."; one that needs none (Ollama) or has its key just says "Saved.".
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { startGateway, type TestGateway } from '../helpers/start-gateway';
import { ADMIN_PASSWORD, login, type Session } from '../helpers/admin-harness';

let gw: TestGateway;
let upstream: FakeUpstream;
let admin: Session;

beforeAll(async () => {
  // DeepSeek at a loopback fake with no key set: what its requests meet is seen here, not on the internet.
  upstream = startFakeUpstream((req) => (req.headers.get('authorization')?.startsWith('Bearer sk-')
    ? jsonResponse({ object: 'list', data: [] })
    : jsonResponse({ error: { message: 'Authentication Fails, Your api key is invalid', type: 'authentication_error' } }, 401)));
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__DEEPSEEK__BASE_URL: `${upstream.url}/v1` } });
  admin = await login(gw, 'admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  await gw?.close();
  upstream?.close();
});

/** A Providers card form as htmx posts it; the card that comes back. */
async function postProvider(id: string, fields: Record<string, string>): Promise<string> {
  const r = await fetch(`${gw.url}/providers/${id}`, {
    method: 'POST',
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'hx-request': 'true', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  expect(r.status).toBe(200);
  return r.text();
}

const usagePage = async () => (await fetch(`${gw.url}/`, { headers: { cookie: admin.cookie } })).text();
/** The first steps' list items, as text with each link's address: `[text](href)`. */
function steps(html: string): string[] {
  const list = /<ol class="first-steps"[^>]*>([\s\S]*?)<\/ol>/.exec(html)?.[1] ?? '';
  return [...list.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => m[1]!
    .replace(/<a href="([^"]+)"[^>]*>([^<]*)<\/a>/g, '[$2]($1)').replace(/<span class="badge ok">done<\/span>/g, '(done)')
    .replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim());
}

describe('a fresh install', () => {
  test('the Usage page lists provider, key and first request, in order, with their links', async () => {
    const list = steps(await usagePage());
    expect(list).toHaveLength(3);
    expect(list[0]).toStartWith('Set up a provider on the [Providers](/providers) page: enable it and set its API key');
    expect(list[0]).not.toContain('(done)');
    // The test gateway made a key at its start.
    expect(list[1]).toBe('Create a key for your app on the [Clients](/clients) page. (done)');
    expect(list[2]).toContain('/v1');
    expect(list[2]).toContain('[Monitoring](/monitor)');
  });

  test('with no requests the error rate is "—", not a clean "0%"', async () => {
    const html = await usagePage();
    expect(/id="stat-error-rate"[\s\S]*?<div class="stat-value">([^<]*)</.exec(html)?.[1]).toBe('—');
  });

  test('enabling a provider with no key warns that its requests fail until one is set', async () => {
    const card = await postProvider('deepseek', { enabled: 'true' });
    expect(card).toContain('class="badge ok">enabled');
    expect(card).toContain('Saved. DeepSeek is enabled but has no API key: it answers every request with an error until one is set');
    expect(card).toContain('DEEPSEEK_API_KEY');
    expect(card).not.toContain('<p class="saved" role="status">Saved.</p>');
    // And so it does: the upstream refuses the call without a key.
    const r = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.clientKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(r.status).toBe(502);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('upstream_auth_failed');
    expect(steps(await usagePage())[0]).not.toContain('(done)');
  });

  test('a provider that needs no key, or has its key, just says "Saved."', async () => {
    for (const card of [await postProvider('ollama', { enabled: 'true' }), await postProvider('deepseek', { api_key: 'sk-deepseek-test-0123456789' })]) {
      expect(card).toContain('<p class="saved" role="status">Saved.</p>');
      expect(card).not.toContain('has no API key');
    }
    expect(steps(await usagePage())[0]).toEndWith('(done)');
  });
});
