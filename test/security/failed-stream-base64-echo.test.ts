/**
 * A failed Responses stream whose failure event echoes a client's base64 blob: OpenAI's
 * response.failed carries the whole Response object, `instructions` included, and once a stream
 * failed the gateway removes its provider key from the bytes it relays (security/redact-key.ts),
 * base64 forms included. Those were found with `[b64]*core[b64]*`, which backtracked over the rest
 * of a long base64 run from every start: an image of 1 MB pasted into `instructions` (what a
 * careless client sends) held the one event loop for most of an hour once the provider failed.
 * The gateway runs as its own process, so the test's own timers still run while it is busy.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sseEventsResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { createClientKey, startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process';

setDefaultTimeout(120_000);

const OPENAI_KEY = 'sk-test-openai-key-0123456789';
let openai: FakeUpstream;
let gw: GatewayProcess;
let dir: string;
let key: string;
beforeAll(async () => {
  // OpenAI's stream for a response that fails: created, then response.failed echoing the Response object.
  openai = startFakeUpstream((_req, rec) => {
    const response = { id: 'resp_blob', object: 'response', model: 'gpt-4o-mini', instructions: rec.body?.instructions ?? null, output: [] };
    return sseEventsResponse([
      { event: 'response.created', data: JSON.stringify({ type: 'response.created', sequence_number: 0, response: { ...response, status: 'in_progress' } }) },
      { event: 'response.failed', data: JSON.stringify({ type: 'response.failed', sequence_number: 1, response: { ...response, status: 'failed', error: { code: 'server_error', message: 'The server had an error.' } } }) },
    ]);
  });
  dir = mkdtempSync(join(tmpdir(), 'gophergate-b64-echo-'));
  gw = await startGatewayProcess({
    cwd: dir, dbPath: join(dir, 'gg.db'), adminPassword: 'b64-echo-admin-password',
    env: { LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `${openai.url}/v1`, OPENAI_API_KEY: OPENAI_KEY },
  });
  key = await createClientKey(gw.url, 'b64-echo-admin-password', 'b64-echo');
});
afterAll(async () => {
  gw?.proc.kill('SIGKILL');
  await gw?.proc.exited;
  openai?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a 1 MB image in instructions, echoed by response.failed: the stream ends with the failure, the gateway serves on', async () => {
  const image = `data:image/png;base64,${randomBytes(768 * 1024).toString('base64')}`;
  const res = await fetch(`${gw.url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, instructions: `Describe this image: ${image}`, input: 'hi' }),
    // A liveness bound, not a measure: the fixed gateway answers in milliseconds, the old one took most of an hour.
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  expect(res.status).toBe(200);
  expect(text).toContain('event: response.failed');
  expect(text).toContain('The server had an error.');
  // The client's own blob is not a key: it goes back as the provider sent it.
  expect(text).toContain(image.slice(-2000));
  expect(text.includes(OPENAI_KEY)).toBe(false);
  const health = await fetch(`${gw.url}/health`, { signal: AbortSignal.timeout(10_000) });
  expect(health.status).toBe(200);
});
