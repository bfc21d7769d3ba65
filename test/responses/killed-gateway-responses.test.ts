/**
 * One gateway on SQLite killed outright (kill -9) while a bridged response streams to its client
 * and a bridged background response runs, then started again on the same file: both were stored
 * `in_progress`, and nothing runs them any more. A client polling `retrieve` must see them end
 * (`failed`, OpenAI's `server_error`), and a follow-up must continue from their input, not be
 * refused as "still in progress" for ever. A finished response is untouched.
 */
import { Database } from 'bun:sqlite';
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { heldDeepSeekStreams, type HeldStreams } from '../helpers/held-streams';
import { createClientKey, startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process';

setDefaultTimeout(60_000);

const ADMIN_PASSWORD = 'killed-responses-admin-password';
let streams: HeldStreams;
let dir: string;
let p: GatewayProcess | null = null;

beforeAll(() => {
  streams = heldDeepSeekStreams();
  dir = mkdtempSync(join(tmpdir(), 'gg-killed-responses-'));
});
afterAll(async () => {
  streams.release();
  p?.proc.kill('SIGKILL');
  await p?.proc.exited;
  streams.fake.close();
  rmSync(dir, { recursive: true, force: true });
});

const start = () =>
  startGatewayProcess({
    cwd: dir, dbPath: join(dir, 'gw.db'), adminPassword: ADMIN_PASSWORD,
    env: { LLM_PROXY__PROVIDERS__DEEPSEEK__BASE_URL: streams.fake.url, DEEPSEEK_API_KEY: 'sk-killed-responses-0123456789' },
  });
const sdk = (gw: GatewayProcess, key: string) => new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });

/** Waits until the database file holds every one of `ids` stored `in_progress`. */
async function storedInProgress(ids: string[]) {
  const db = new Database(join(dir, 'gw.db'), { readonly: true });
  try {
    const q = db.query("SELECT count(*) AS n FROM stored_responses WHERE id IN (?, ?) AND json_extract(response, '$.status') = 'in_progress'");
    for (let i = 0; i < 1_000 && (q.get(ids[0]!, ids[1]!) as { n: number }).n < ids.length; i++) await Bun.sleep(10);
    expect((q.get(ids[0]!, ids[1]!) as { n: number }).n).toBe(ids.length);
  } finally {
    db.close();
  }
}

/** Retrieves until `cond` holds for the response (bounded: a condition never met fails the test). */
async function retrieveUntil(client: OpenAI, id: string, cond: (status: string) => boolean) {
  for (let i = 0; i < 1_000; i++) {
    const r = await client.responses.retrieve(id);
    if (cond(String(r.status))) return r;
    await Bun.sleep(10);
  }
  throw new Error(`response ${id} never met the condition`);
}

test('responses left in progress by a killed gateway end failed at the next start; a follow-up continues from their input', async () => {
  p = await start();
  const key = await createClientKey(p.url, ADMIN_PASSWORD, 'killed-responses');
  let client = sdk(p, key);
  const done = await client.responses.create({ model: 'deepseek/deepseek-chat', input: 'finished before the kill' });
  expect(done.status).toBe('completed');

  streams.hold();
  const stream = await client.responses.create({ model: 'deepseek/deepseek-chat', input: 'streamed', stream: true });
  const events = stream[Symbol.asyncIterator]();
  const created = (await events.next()).value as { type: string; response: { id: string } };
  expect(created.type).toBe('response.created');
  const streamedId = created.response.id;
  const bg = await client.responses.create({ model: 'deepseek/deepseek-chat', input: 'in the background', background: true });
  await retrieveUntil(client, bg.id, (s) => s === 'in_progress');
  expect((await client.responses.retrieve(streamedId)).status).toBe('in_progress');
  // Both `in_progress` saves are in the file (the store flushes a moment later) when the process dies.
  await storedInProgress([streamedId, bg.id]);

  p.proc.kill('SIGKILL');
  await p.proc.exited;
  streams.release();
  p = await start();
  client = sdk(p, key);

  for (const id of [streamedId, bg.id]) {
    const r = await client.responses.retrieve(id);
    expect(r.status).toBe('failed');
    expect(r.error).toEqual({ code: 'server_error', message: expect.stringContaining('gateway stopped') });
    const next = await client.responses.create({ model: 'deepseek/deepseek-chat', input: 'go on', previous_response_id: id });
    expect(next.status).toBe('completed');
  }
  expect((await client.responses.retrieve(bg.id)).background).toBe(true);
  // A cancel of the failed background response answers it as it ended.
  expect((await client.responses.cancel(bg.id)).status).toBe('failed');
  const untouched = await client.responses.retrieve(done.id);
  expect(untouched).toMatchObject({ status: 'completed', error: null });
  expect(untouched.output_text).toBe(done.output_text);
});
