/**
 * An operator's GopherGate in front of a local Ollama (a fake replaying Ollama's real wire shapes
 * of its OpenAI-compatible endpoint, openai/openai.go and middleware/openai.go): a model that is not
 * pulled, Ollama not running, a slow model load, streams with and without usage, `:latest` tags.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import { api, login, type Session } from '../helpers/admin-harness';
import { jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(30_000);

let ollama: FakeUpstream;
let gw: TestGateway;
let admin: Session;
beforeAll(async () => {
  ollama = startFakeUpstream();
  gw = await startGateway({ env: providerEnv('ollama', `${ollama.url}/v1`, { LLM_PROXY__PROVIDERS__OLLAMA__MODELS: 'qwen3:8b,llama3.2:latest' }) });
  admin = await login(gw, 'admin', 'test-admin-password');
});
afterAll(async () => {
  await gw?.close();
  ollama?.close();
});

const hi = [{ role: 'user' as const, content: 'Hello' }];
/** Ollama's answer for a model it has not pulled (openai.NewError(404, …): type not_found_error since v0.6; api_error before). */
const notPulled = (model: string, type = 'not_found_error') =>
  jsonResponse({ error: { message: `model "${model}" not found, try pulling it first`, type, param: null, code: null } }, 404);
const answer = (model: string, content = 'Hi there') =>
  jsonResponse({ id: 'chatcmpl-245', object: 'chat.completion', created: 1731432105, model, system_fingerprint: 'fp_ollama', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 26, completion_tokens: 10, total_tokens: 36 } });

test('a model not pulled: 404 model_not_found with Ollama words, for both error types Ollama has used', async () => {
  for (const type of ['not_found_error', 'api_error']) {
    ollama.handler = (_r, rec) => notPulled(rec.body.model, type);
    const err = await apiError(gw.openai().chat.completions.create({ model: 'ollama/qwen3:14b', messages: hi }));
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.code).toBe('model_not_found');
    expect(err.message).toContain('model "qwen3:14b" not found, try pulling it first');
    expect(err.message).toContain('Ollama');
    expect(await gw.waitForRow(err)).toMatchObject({ status: 404 });
  }
});

test('a group goes on from a model not pulled to its next target', async () => {
  const made = await api(gw, 'POST', '/api/groups', { as: admin, body: { name: 'local', strategy: 'heuristic', targets: ['ollama/qwen3:14b', 'ollama/qwen3:8b'] } });
  expect(made.status).toBe(201);
  ollama.handler = (_r, rec) => (rec.body.model === 'qwen3:14b' ? notPulled('qwen3:14b') : answer('qwen3:8b'));
  const { data, response } = await gw.openai().chat.completions.create({ model: 'local', messages: hi }).withResponse();
  expect(data.choices[0]!.message.content).toBe('Hi there');
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, model: 'qwen3:8b', promptTokens: 26 });
  const health = await (await fetch(`${gw.url}/health`)).json();
  expect(health.providers.ollama.circuit).toBe('closed');
});

test('/v1/models lists the Ollama models of LLM_PROXY__PROVIDERS__OLLAMA__MODELS by their real ids (Ollama itself has pulled none yet)', async () => {
  // The list Ollama gives at GET /api/tags (pulled models: test/chat/ollama-pulled-models.test.ts).
  ollama.handler = () => jsonResponse({ models: [] });
  const list = await gw.openai().models.list();
  const ids = list.data.map((m) => m.id);
  expect(ids).toContain('qwen3:8b');
  expect(ids).toContain('llama3.2:latest');
});

test("Ollama's :latest tag: `llama3.2` is the configured `llama3.2:latest`, `llama3:latest` the seeded `llama3`", async () => {
  ollama.handler = (_r, rec) => answer(rec.body.model);
  const { data, response } = await gw.openai().chat.completions.create({ model: 'llama3.2', messages: hi }).withResponse();
  expect(data.model).toBe('llama3.2:latest');
  expect(ollama.last().body.model).toBe('llama3.2:latest');
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'ollama', model: 'llama3.2:latest' });
  const seeded = await gw.openai().chat.completions.create({ model: 'llama3:latest', messages: hi });
  expect(seeded.choices[0]!.message.content).toBe('Hi there');
  expect(ollama.last().body.model).toBe('llama3');
  // Only Ollama's models: a bare id of another provider gets no tag.
  const other = await apiError(gw.openai().chat.completions.create({ model: 'gpt-4o:latest', messages: hi }));
  expect(other.status).toBe(404);
});

test('a key allowed `ollama/*` may call `llama3.2` (its `llama3.2:latest`)', async () => {
  const made = await api(gw, 'POST', '/api/clients', { as: admin, body: { name: 'local only', models: ['ollama/*'] } });
  expect(made.status).toBe(201);
  const { key } = await made.json();
  ollama.handler = (_r, rec) => answer(rec.body.model);
  const done = await gw.openai(key).chat.completions.create({ model: 'llama3.2', messages: hi });
  expect(done.choices[0]!.message.content).toBe('Hi there');
  expect(ollama.last().body.model).toBe('llama3.2:latest');
});

test('a model load longer than the header timeout: 504 naming Ollama and the setting that cut it', async () => {
  // Ollama sends nothing, not even headers, while it loads a model (and while it evaluates the
  // prompt): the header timeout is the one that applies. Released when the test ends.
  let release!: () => void;
  const loaded = new Promise<void>((r) => (release = r));
  const slow = await startGateway({ env: providerEnv('ollama', `${ollama.url}/v1`, { LLM_PROXY__UPSTREAM__TIMEOUT_S: '0.2' }) });
  try {
    ollama.handler = async (_r, rec) => {
      await loaded;
      return answer(rec.body.model);
    };
    const err = await apiError(slow.openai().chat.completions.create({ model: 'ollama/qwen3:8b', messages: hi }));
    expect(err.status).toBe(504);
    expect(err.code).toBe('upstream_timeout');
    expect(err.message).toContain('Ollama');
    expect(err.message).toContain('LLM_PROXY__UPSTREAM__TIMEOUT_S');
    expect(await slow.waitForRow(err)).toMatchObject({ status: 504 });
  } finally {
    release();
    await slow.close();
  }
});

test('Ollama not running (connection refused): 502 naming Ollama, then its circuit opens and /health shows it', async () => {
  const closed = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') });
  const port = closed.port;
  closed.stop(true);
  const down = await startGateway({ env: providerEnv('ollama', `http://127.0.0.1:${port}/v1`) });
  try {
    const seen: { status: number; code: unknown; message: string }[] = [];
    for (let i = 0; i < 7; i++) {
      const err = await apiError(down.openai().chat.completions.create({ model: 'ollama/qwen3:8b', messages: hi }));
      seen.push({ status: err.status!, code: err.code, message: err.message });
      expect(await down.waitForRow(err)).toMatchObject({ status: err.status });
    }
    expect(seen[0]).toMatchObject({ status: 502, code: 'upstream_unreachable' });
    expect(seen[0]!.message).toContain('Ollama');
    // Five failures in a row open the circuit: answered at once, without a call, until it half-opens.
    expect(seen.slice(0, 5).every((s) => s.code === 'upstream_unreachable')).toBe(true);
    expect(seen[5]).toMatchObject({ status: 503, code: 'circuit_open' });
    const health = await (await fetch(`${down.url}/health`)).json();
    expect(health.providers.ollama.circuit).toBe('open');
  } finally {
    await down.close();
  }
});

test("a prompt over Ollama's context length: the row bills Ollama's (truncated) prompt_tokens, not the gateway's estimate", async () => {
  // ~12,000 tokens of prompt; Ollama at num_ctx 4096 read only what fit and says so in its usage.
  const long = [{ role: 'user' as const, content: 'lorem ipsum dolor sit amet '.repeat(2400) }];
  const usage = { prompt_tokens: 4096, completion_tokens: 12, total_tokens: 4108 };
  ollama.handler = () =>
    jsonResponse({ id: 'chatcmpl-9', object: 'chat.completion', created: 1, model: 'qwen3:8b', system_fingerprint: 'fp_ollama', choices: [{ index: 0, message: { role: 'assistant', content: 'Sure.' }, finish_reason: 'stop' }], usage });
  const { data, response } = await gw.openai().chat.completions.create({ model: 'ollama/qwen3:8b', messages: long }).withResponse();
  expect(data.usage).toMatchObject(usage);
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, promptTokens: 4096, completionTokens: 12, estimated: false });

  // Streamed: Ollama's last chunk copies the one before, with `choices: []` and the usage (middleware/openai.go).
  const chunks = readChunks('ollama', 'text.chunks.txt').map((l) => l.replace('"prompt_tokens":14,"completion_tokens":21,"total_tokens":35', '"prompt_tokens":4096,"completion_tokens":21,"total_tokens":4117'));
  ollama.handler = () => sseResponse(chunks);
  const { data: stream, response: res } = await gw.openai().chat.completions.create({ model: 'ollama/qwen3:8b', messages: long, stream: true, stream_options: { include_usage: true } }).withResponse();
  let last: OpenAI.Chat.Completions.ChatCompletionChunk | undefined;
  for await (const c of stream) last = c;
  expect(last!.usage).toMatchObject({ prompt_tokens: 4096, completion_tokens: 21 });
  expect(await gw.waitForRow(res)).toMatchObject({ status: 200, promptTokens: 4096, completionTokens: 21, estimated: false });
});
