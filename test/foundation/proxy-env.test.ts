/**
 * A proxy set in the environment for the providers (HTTP_PROXY, ALL_PROXY: a corporate network)
 * carries the calls to remote upstreams, but not those to this machine: Bun's fetch sent an Ollama
 * on localhost (its default base URL) through the proxy, whose refusal came back as Ollama's 502.
 * Go's net/http, which the Go gateway used, never proxies loopback.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { reachLoopbackDirectly } from '../../src/config/upstream-client-config';
import { createClientKey, startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process';

// One server process: seconds on a loaded CI machine. A limit only bounds a hang.
setDefaultTimeout(60_000);

const PASSWORD = 'proxy-env-admin-pass';
const completion = (content: string, model: string) => ({
  id: `chatcmpl-${model}`, object: 'chat.completion', created: 1, model,
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
});
// The proxy answers for the remote host itself (nothing leaves this machine); anything else it refuses.
const proxied: string[] = [];
const proxy = Bun.serve({
  hostname: '127.0.0.1', port: 0,
  fetch: (req) => {
    proxied.push(req.url);
    if (new URL(req.url).host === 'remote-upstream.test') return Response.json(completion('through the proxy', 'gpt-4o-mini'));
    return new Response('proxy refuses', { status: 502 });
  },
});
const chunk = (delta: object, finish: string | null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-llama3', object: 'chat.completion.chunk', created: 1, model: 'llama3', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const ollama = Bun.serve({
  hostname: '127.0.0.1', port: 0,
  fetch: async (req) => {
    if (!((await req.json()) as { stream?: boolean }).stream) return Response.json(completion('from this machine', 'llama3'));
    const sse = chunk({ role: 'assistant', content: 'from this machine' }, null) + chunk({}, 'stop') + 'data: [DONE]\n\n';
    return new Response(sse, { headers: { 'content-type': 'text/event-stream' } });
  },
});
let gw: GatewayProcess;
let client: OpenAI;

beforeAll(async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'gg-proxy-env-'));
  const via = `http://127.0.0.1:${proxy.port}`;
  gw = await startGatewayProcess({
    cwd, dbPath: join(cwd, 'gg.db'), adminPassword: PASSWORD,
    env: {
      HTTP_PROXY: via, HTTPS_PROXY: via, ALL_PROXY: via,
      LLM_PROXY__PROVIDERS__OLLAMA__BASE_URL: `http://localhost:${ollama.port}/v1`,
      LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: 'http://remote-upstream.test/v1',
      OPENAI_API_KEY: 'sk-proxy-env-test',
    },
  });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: await createClientKey(gw.url, PASSWORD), maxRetries: 0 });
});

afterAll(async () => {
  gw?.proc.kill('SIGTERM');
  await gw?.proc.exited;
  proxy.stop(true);
  ollama.stop(true);
});

test('a provider on this machine (Ollama on localhost, streamed or not) is called directly; a remote one through the proxy', async () => {
  const local = await client.chat.completions.create({ model: 'ollama/llama3', messages: [{ role: 'user', content: 'hi' }] });
  expect(local.choices[0]!.message.content).toBe('from this machine');
  const stream = await client.chat.completions.create({ model: 'ollama/llama3', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  let streamed = '';
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? '';
  expect(streamed).toBe('from this machine');
  const remote = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  expect(remote.choices[0]!.message.content).toBe('through the proxy');
  // Only the remote call reached the proxy: neither Ollama's nor the start's own probe of 127.0.0.1:0.
  expect(proxied).toEqual(['http://remote-upstream.test/v1/chat/completions']);
});

test("NO_PROXY keeps the operator's entries (from either spelling) and gains loopback; without a proxy, or with NO_PROXY=*, nothing changes", () => {
  const after = (env: Record<string, string | undefined>) => (reachLoopbackDirectly(env), env);
  expect(after({ HTTPS_PROXY: 'http://p:3128', no_proxy: 'internal.corp, .svc' })).toEqual({
    HTTPS_PROXY: 'http://p:3128', NO_PROXY: 'internal.corp,.svc,localhost,127.0.0.1,::1', no_proxy: 'internal.corp,.svc,localhost,127.0.0.1,::1',
  });
  expect(after({ http_proxy: 'http://p:3128', NO_PROXY: 'localhost' })).toEqual({
    http_proxy: 'http://p:3128', NO_PROXY: 'localhost,127.0.0.1,::1', no_proxy: 'localhost,127.0.0.1,::1',
  });
  expect(after({ NO_PROXY: 'internal.corp' })).toEqual({ NO_PROXY: 'internal.corp' });
  expect(after({ ALL_PROXY: 'http://p:3128', NO_PROXY: '*' })).toEqual({ ALL_PROXY: 'http://p:3128', NO_PROXY: '*' });
});
