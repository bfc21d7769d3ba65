import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { ADMIN_PASSWORD, startAdminGateway } from '../helpers/admin-harness';
import type { TestGateway } from '../helpers/start-gateway';
import { until } from '../helpers/until';

// deploy/nginx.conf run for real in front of a gateway, on loopback, when the machine has nginx
// (`apt-get install nginx-light`); skipped otherwise. The three `gateway-N:8080` upstreams all
// point at the one test gateway.

setDefaultTimeout(30_000);
const NGINX = Bun.which('nginx') ?? Bun.which('/usr/sbin/nginx');

let gw: TestGateway;
let nginx: ReturnType<typeof Bun.spawn> | undefined;
let dir: string;
let base: string;

function freePort(): number {
  const s = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

beforeAll(async () => {
  if (!NGINX) return;
  gw = await startAdminGateway({ env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', LLM_PROXY__PROVIDERS__MOCK__CHUNKS: '5' } });
  dir = mkdtempSync(join(tmpdir(), 'gg-nginx-'));
  const port = freePort();
  const conf = readFileSync(join(import.meta.dir, '..', '..', 'deploy', 'nginx.conf'), 'utf8')
    .replace(/gateway-[123]:8080/g, `127.0.0.1:${new URL(gw.url).port}`)
    .replace('listen 80;', `listen 127.0.0.1:${port};`)
    .replace('/dev/stdout', join(dir, 'access.log'))
    .replace('/dev/stderr', join(dir, 'error.log'));
  expect(conf).toContain(`listen 127.0.0.1:${port};`);
  writeFileSync(join(dir, 'nginx.conf'), conf);
  nginx = Bun.spawn([NGINX, '-e', join(dir, 'error.log'), '-p', dir, '-c', join(dir, 'nginx.conf'), '-g', `pid ${join(dir, 'nginx.pid')}; daemon off;`], { stderr: 'pipe' });
  base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) return;
    await Bun.sleep(25);
  }
  throw new Error(`nginx did not answer: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
});

afterAll(async () => {
  if (nginx) {
    nginx.kill('SIGQUIT');
    await nginx.exited;
  }
  await gw?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!NGINX)('deploy/nginx.conf in front of a gateway', () => {
  test('a streamed completion passes whole; the monitor WebSocket through nginx shows it', async () => {
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/monitor/ws`, {
      headers: { cookie: `gg_session=${token}`, origin: base },
    } as any);
    const messages: any[] = [];
    ws.onmessage = (e) => messages.push(JSON.parse(String(e.data)));
    await until(() => messages.some((m) => m.type === 'hello'));

    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: gw.clientKey });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'mock/echo', stream: true, messages: [{ role: 'user', content: 'one two three four' }] })
      .withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('echo: one two three four');
    const id = response.headers.get('x-request-id')!;
    await until(() => messages.some((m) => m.type === 'request' && m.data.request_id === id));
    ws.close();
  });

  test('a body over the limit gets a 413 in OpenAI\'s error shape, not nginx\'s HTML', async () => {
    const r = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.clientKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'x'.repeat(33 * 1024 * 1024) }] }),
    });
    expect(r.status).toBe(413);
    expect(r.headers.get('content-type')).toContain('application/json');
    expect(((await r.json()) as any).error).toMatchObject({ type: 'invalid_request_error', code: 'request_too_large' });
  });
});
