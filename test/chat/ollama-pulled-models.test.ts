/**
 * `ollama pull x`, then `ollama/x` listed in GET /v1/models and callable, without configuring it:
 * the gateway asks the Ollama upstream's native `GET /api/tags` (a fake on loopback replaying its
 * real shape, test/fixtures/ollama/tags.json) for /v1/models only, cached (10 s), and a failing or
 * silent Ollama leaves /v1/models answering with the table's models.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { api, login, type Session } from '../helpers/admin-harness';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { PULLED_TTL_MS, PulledOllamaModels } from '../../src/providers/ollama/pulled-models';
import { sendUpstream } from '../../src/http/send-upstream';
import { ollamaTagsUrl, parseOllamaTags } from '../../src/providers/ollama/ollama-tags-api';

setDefaultTimeout(30_000);

let ollama: FakeUpstream;
let gw: TestGateway;
let admin: Session;
/** The clock of the gateway's pulled-models cache (moved past the TTL where a test wants a fresh ask). */
let now = 1_000_000;
const expire = () => (now += PULLED_TTL_MS);

const hi = [{ role: 'user' as const, content: 'Hello' }];
const answer = (model: string) =>
  jsonResponse({ id: 'chatcmpl-245', object: 'chat.completion', created: 1731432105, model, system_fingerprint: 'fp_ollama', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi there' }, finish_reason: 'stop' }], usage: { prompt_tokens: 26, completion_tokens: 10, total_tokens: 36 } });
/** Ollama: its list at /api/tags (`tags`), chat at /v1/chat/completions. */
const ollamaWith = (tags: FakeHandler): FakeHandler => (req, rec, fake) => (rec.path === '/api/tags' ? tags(req, rec, fake) : answer(rec.body.model));
const tagCalls = () => ollama.requests.filter((r) => r.path === '/api/tags').length;
const listed = async (key?: string) => (await gw.openai(key).models.list()).data.filter((m) => m.owned_by === 'ollama').map((m) => m.id).sort();

beforeAll(async () => {
  ollama = startFakeUpstream(ollamaWith(() => jsonResponse(fixtureJson('ollama', 'tags.json'))));
  gw = await startGateway({ env: providerEnv('ollama', `${ollama.url}/v1`, { LLM_PROXY__PROVIDERS__OLLAMA__MODELS: 'qwen3:8b,phi4' }) });
  gw.ctx.ollamaModels = new PulledOllamaModels((req, signal) => sendUpstream(gw.ctx.config.upstream.client, req, signal, true), () => now);
  admin = await login(gw, 'admin', 'test-admin-password');
});
afterAll(async () => {
  await gw?.close();
  ollama?.close();
});

test('/v1/models lists what Ollama has pulled as ollama/<name>, beside the table\'s Ollama models (a pulled one of the table once, by its id)', async () => {
  expire();
  expect(await listed()).toEqual(['llama3', 'ollama/deepseek-r1:14b', 'ollama/llama3.2:latest', 'phi4', 'qwen3:8b']);
  const tags = ollama.requests.find((r) => r.path === '/api/tags')!;
  expect(tags.method).toBe('GET');
  // The provider's key goes with it, as with its chat calls (an Ollama behind an authenticating proxy).
  expect(tags.headers.authorization).toBe('Bearer sk-test-ollama-key-0123456789');
  // Anthropic's clients list models too (Claude Code's /model picker).
  const page = await new Anthropic({ apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 0 }).models.list({ limit: 1000 });
  expect(page.data.map((m) => m.id)).toContain('ollama/deepseek-r1:14b');
});

test('a pulled model is callable as listed and as `ollama/x` for `x:latest`; `ollama/phi4` is the table\'s phi4 (`phi4:latest` pulled)', async () => {
  const listedCall = await gw.openai().chat.completions.create({ model: 'ollama/deepseek-r1:14b', messages: hi }).withResponse();
  expect(ollama.last().body.model).toBe('deepseek-r1:14b');
  expect(await gw.waitForRow(listedCall.response)).toMatchObject({ status: 200, provider: 'ollama', costUsd: 0 });
  const bare = await gw.openai().chat.completions.create({ model: 'ollama/llama3.2', messages: hi });
  expect(bare.choices[0]!.message.content).toBe('Hi there');
  expect(ollama.last().body.model).toBe('llama3.2');
  const retrieved = await gw.openai().models.retrieve('ollama/llama3.2:latest');
  expect(retrieved).toMatchObject({ id: 'ollama/llama3.2:latest', owned_by: 'ollama' });
  // `ollama/<id>` under the other spelling of a table model's tag is that model, as a bare id is.
  const { response } = await gw.openai().chat.completions.create({ model: 'ollama/phi4:latest', messages: hi }).withResponse();
  expect(ollama.last().body.model).toBe('phi4');
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, model: 'phi4' });
});

test('cheap: Ollama is asked once per 10 s however often /v1/models is read, and never by a chat request', async () => {
  expire();
  const before = tagCalls();
  await Promise.all([listed(), listed(), listed()]);
  await listed();
  expect(tagCalls()).toBe(before + 1);
  for (let i = 0; i < 3; i++) await gw.openai().chat.completions.create({ model: 'ollama/deepseek-r1:14b', messages: hi });
  expect(tagCalls()).toBe(before + 1);
  // Past the TTL a newly pulled model shows.
  const more = fixtureJson('ollama', 'tags.json');
  more.models.push({ ...more.models[0], name: 'gemma3:4b', model: 'gemma3:4b' });
  ollama.handler = ollamaWith(() => jsonResponse(more));
  expire();
  expect(await listed()).toContain('ollama/gemma3:4b');
  expect(tagCalls()).toBe(before + 2);
});

test('a failing Ollama never breaks /v1/models: 500, not JSON, another shape, no answer (2 s cap), refused connections; the last list stays', async () => {
  const failures: FakeHandler[] = [
    () => jsonResponse({ error: 'boom' }, 500),
    () => new Response('<html>proxy error</html>', { headers: { 'content-type': 'text/html' } }),
    () => jsonResponse({ object: 'list', data: [] }),
    () => new Promise<Response>(() => {}),
  ];
  for (const fail of failures) {
    ollama.handler = ollamaWith(fail);
    expire();
    const before = tagCalls();
    const ids = await listed();
    expect(tagCalls()).toBe(before + 1);
    // The table's models, and the last list Ollama gave (gemma3 from the test before).
    expect(ids).toContain('llama3');
    expect(ids).toContain('ollama/gemma3:4b');
  }
  // Nothing listens: the gateway's own Ollama at a closed port.
  const closed = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') });
  const port = closed.port;
  closed.stop(true);
  const down = await startGateway({ env: providerEnv('ollama', `http://127.0.0.1:${port}/v1`) });
  try {
    const res = await fetch(`${down.url}/v1/models`, { headers: { authorization: `Bearer ${down.clientKey}` } });
    expect(res.status).toBe(200);
    expect((await res.json()).data.map((m: { id: string }) => m.id)).toContain('llama3');
  } finally {
    await down.close();
  }
});

test("a key's model list filters pulled models as any: `ollama/*` sees them, a key allowed only gpt-4o does not; Ollama off lists none and asks nothing", async () => {
  ollama.handler = ollamaWith(() => jsonResponse(fixtureJson('ollama', 'tags.json')));
  expire();
  const make = async (name: string, models: string[]) => (await (await api(gw, 'POST', '/api/clients', { as: admin, body: { name, models } })).json()).key as string;
  expect(await listed(await make('local', ['ollama/*']))).toEqual(['llama3', 'ollama/deepseek-r1:14b', 'ollama/llama3.2:latest', 'phi4', 'qwen3:8b']);
  expect(await listed(await make('cloud', ['gpt-4o']))).toEqual([]);

  const off = await startGateway({ env: providerEnv('ollama', `${ollama.url}/v1`, { LLM_PROXY__PROVIDERS__OLLAMA__ENABLED: 'false' }) });
  try {
    const before = tagCalls();
    const ids = (await off.openai().models.list()).data.map((m) => m.id);
    expect(ids.some((id) => id.startsWith('ollama/'))).toBe(false);
    expect(tagCalls()).toBe(before);
  } finally {
    await off.close();
  }
});

test('tags URL and parsing: /api/tags beside /v1; names read loosely, each once; not a list -> null', () => {
  expect(ollamaTagsUrl('http://ollama:11434/v1')).toBe('http://ollama:11434/api/tags');
  expect(ollamaTagsUrl('https://relay.example/ollama')).toBe('https://relay.example/ollama/api/tags');
  expect(parseOllamaTags({ models: [{ name: 'a:latest', modified_at: '2025-05-04T17:37:44.706015396-07:00' }, { model: 'b:1b' }, { name: 'a:latest' }, { name: '' }, { name: 'x y' }, null, 7] })).toEqual([
    { name: 'a:latest', modifiedAt: 1746405464 },
    { name: 'b:1b' },
  ]);
  expect(parseOllamaTags({ data: [] })).toBeNull();
  expect(parseOllamaTags(null)).toBeNull();
});

test("a key's list names an Ollama model with or without `:latest`, as Ollama does: `ollama/llama3.2` lists, retrieves and calls the pulled `ollama/llama3.2:latest`, `llama3:latest` the seeded `llama3`", async () => {
  ollama.handler = ollamaWith(() => jsonResponse(fixtureJson('ollama', 'tags.json')));
  expire();
  const made = await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'tagless', models: ['ollama/llama3.2', 'llama3:latest'] } });
  const { key } = await made.json();
  const client = gw.openai(key);
  expect(await listed(key)).toEqual(['llama3', 'ollama/llama3.2:latest']);
  for (const id of ['ollama/llama3.2:latest', 'llama3']) {
    expect(await client.models.retrieve(id)).toMatchObject({ id, owned_by: 'ollama' });
    expect((await client.chat.completions.create({ model: id, messages: hi })).choices[0]!.message.content).toBe('Hi there');
  }
  // Another tag is another model.
  expect((await client.models.retrieve('ollama/llama3.2:1b').catch((e) => e)).status).toBe(404);
});

test("a pulled model's `created` is the same listed and retrieved (Ollama's modified_at), under either spelling of `:latest`", async () => {
  ollama.handler = ollamaWith(() => jsonResponse(fixtureJson('ollama', 'tags.json')));
  expire();
  const list = (await gw.openai().models.list()).data.filter((m) => m.id.startsWith('ollama/'));
  expect(list.map((m) => [m.id, m.created])).toEqual([
    ['ollama/deepseek-r1:14b', Math.floor(Date.parse('2025-04-27T09:12:03.118+02:00') / 1000)],
    ['ollama/llama3.2:latest', Math.floor(Date.parse('2025-05-04T17:37:44.706-07:00') / 1000)],
  ]);
  for (const m of list) expect(await gw.openai().models.retrieve(m.id)).toEqual({ id: m.id, object: 'model', created: m.created, owned_by: 'ollama' });
  expect((await gw.openai().models.retrieve('ollama/llama3.2')).created).toBe(list[1]!.created);
});
