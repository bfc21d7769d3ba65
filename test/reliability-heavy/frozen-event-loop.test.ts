/**
 * A gateway whose event loop was held up (a long GC pause, a starved CPU; here the process is
 * stopped with SIGSTOP) past the upstream idle timeout: its timers run before the reads that
 * arrived meanwhile, so each stream's idle timer found "silence" and ended every stream in flight
 * with 504 `upstream_timeout`, blaming (and counting breaker failures against) an upstream that
 * had kept sending. The streams go on; a client that really stopped reading is still dropped.
 * Heavy (spawns and stops a process): run with `bun test test/reliability-heavy`.
 */
import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type { Socket } from 'bun';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readChunks, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { createClientKey, startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process';
import { until } from '../helpers/until';

const ADMIN_PASSWORD = 'frozen-loop-admin-password';
const CHUNKS = readChunks('openai', 'text.chunks.txt');
const enc = new TextEncoder();
const FRAME = enc.encode(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'x'.repeat(16_384) }, finish_reason: null }] })}\n\n`);
const DONE = enc.encode(`data: ${CHUNKS.at(-2)}\n\ndata: [DONE]\n\n`);

let fake: FakeUpstream;
let dir: string;
let gw: GatewayProcess;
/** Set when the slow streams may finish. */
let finish = false;

beforeAll(async () => {
  fake = startFakeUpstream((_req, rec) => {
    if (rec.body?.messages?.[0]?.content === 'endless') return new Response(new ReadableStream({ pull: (c) => c.enqueue(FRAME) }), { headers: { 'content-type': 'text/event-stream' } });
    // A chunk every 200 ms, never silent for long, until the test lets it finish.
    let i = 0;
    return new Response(new ReadableStream({
      async pull(c) {
        await Bun.sleep(200);
        if (finish) {
          c.enqueue(DONE);
          return c.close();
        }
        c.enqueue(enc.encode(`data: ${CHUNKS[1 + (i++ % 3)]}\n\n`));
      },
    }), { headers: { 'content-type': 'text/event-stream' } });
  });
  dir = mkdtempSync(join(tmpdir(), 'gg-frozen-'));
  gw = await startGatewayProcess({
    cwd: dir, dbPath: join(dir, 'gophergate.db'), adminPassword: ADMIN_PASSWORD,
    env: { LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `${fake.url}/v1`, OPENAI_API_KEY: 'sk-frozen-provider-0123456789', LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S: '1' },
  });
}, 60_000);
afterAll(async () => {
  gw?.proc.kill('SIGCONT');
  gw?.proc.kill('SIGTERM');
  await gw?.proc.exited;
  fake.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Raw {
  sock: Socket<undefined>;
  text(): string;
}

async function stream(key: string, content: string, paused = false): Promise<Raw> {
  let text = '';
  const decoder = new TextDecoder();
  const sock = await Bun.connect({ hostname: '127.0.0.1', port: gw.port, socket: { data: (_s, d) => void (text += decoder.decode(d, { stream: true })), error: () => {}, close: () => {} } });
  if (paused) sock.pause();
  const body = JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content }] });
  sock.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
  return { sock, text: () => text };
}

function rows(): { status: number; errorType: string | null }[] {
  const db = new Database(join(dir, 'gophergate.db'), { readonly: true });
  try {
    return db.query("SELECT status, error_type AS errorType FROM request_logs WHERE endpoint = 'chat'").all() as any[];
  } finally {
    db.close();
  }
}

test('streams in flight survive an event loop held up past the idle timeout: no 504, breaker closed', async () => {
  const key = await createClientKey(gw.url, ADMIN_PASSWORD);
  const readers = await Promise.all(Array.from({ length: 10 }, () => stream(key, 'slow')));
  const stalled = await stream(key, 'endless', true);
  await until(() => readers.every((r) => r.text().includes('data: {')), 15_000, 20);

  // Held up for three idle timeouts, while the upstream keeps sending.
  gw.proc.kill('SIGSTOP');
  await Bun.sleep(3000);
  gw.proc.kill('SIGCONT');
  await Bun.sleep(1500);

  finish = true;
  await until(() => readers.every((r) => r.text().includes('data: [DONE]')), 15_000, 20).catch(() => {});
  for (const r of readers) {
    expect(r.text()).toContain('data: [DONE]');
    expect(r.text()).not.toContain('"error"');
  }
  // The client that never read is still the one dropped, for its own silence.
  await until(() => rows().length === 11, 20_000, 100);
  const statuses = rows().map((r) => `${r.status} ${r.errorType}`).sort();
  expect(statuses).toEqual([...Array(10).fill('200 null'), '499 client_read_timeout']);
  const health = (await (await fetch(`${gw.url}/health`)).json()) as any;
  expect(health.providers.openai.circuit).toBe('closed');
  expect(health.upstream).toMatchObject({ in_use: 0, waiting: 0 });
  for (const r of readers) r.sock.terminate();
  stalled.sock.terminate();
}, 60_000);
