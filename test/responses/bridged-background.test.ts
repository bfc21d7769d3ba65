/**
 * `background: true` on a bridged (non-OpenAI) model, driven with the official SDK: answered at
 * once `queued`, run by the gateway itself, polled with `retrieve`, its stream resumed with
 * `retrieve(id, { stream: true, starting_after })`, stopped with `cancel`; one log row, written
 * when the upstream call ends, billing its real usage.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { fixtureJson, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeHandler } from '../helpers/fake-upstream';
import { apiError, providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { EVENT_SCHEMAS, schemaErrors } from './openai-schema';
import { expectConsistentItems } from './stream-invariants';

const CHUNKS = readChunks('responses', 'deepseek-reasoner-text.chunks.txt');
let answer: FakeHandler = () => sseResponse([...CHUNKS, '[DONE]']);
const deepseek = startFakeUpstream((req, rec, fake) => answer(req, rec, fake));
// Gemini reports its counts from the first chunk on: a stream it leaves after two.
const gemini = startFakeUpstream((_req, _rec, fake) => sseResponse(readChunks('gemini', 'text.chunks.txt'), { hangAfter: 2, onAbort: () => fake.noteAbort() }));
let gw: TestGateway;
let client: OpenAI;
let other: OpenAI;

useGateway(
  (g) => {
    gw = g;
    client = g.openai();
    other = g.openai(g.addClient('another key').key);
  },
  { env: { ...providerEnv('deepseek', deepseek.url), ...providerEnv('gemini', gemini.url) } },
);
afterAll(() => {
  deepseek.close();
  gemini.close();
});

/** Polls as a client does, until `cond` holds (the limit only bounds a hang). */
async function until(cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await Bun.sleep(10);
  }
}

/** Retrieves until the response left `queued` / `in_progress`. */
async function settled(id: string): Promise<any> {
  let r: any;
  await until(async () => !['queued', 'in_progress'].includes(String((r = await client.responses.retrieve(id)).status)));
  return r;
}

function expectValidEvents(events: any[], from = 0) {
  events.forEach((e, i) => {
    expect(e.sequence_number).toBe(from + i);
    expect(schemaErrors(EVENT_SCHEMAS[e.type]!, e)).toEqual([]);
  });
}

describe('bridged background responses', () => {
  test('answered at once, queued; retrieve polls it to completed with its usage; one row billing it, sent upstream as a stream', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    answer = () => sseResponse([...CHUNKS, '[DONE]'], { holdAt: { at: 2, until: held } });
    const { data: queued, response } = await client.responses.create({ model: 'deepseek-reasoner', input: 'Hello', background: true }).withResponse();
    expect(queued).toMatchObject({ status: 'queued', background: true, output: [], usage: null });
    expect(schemaErrors('Response', queued)).toEqual([]);
    // Running: in progress, and a follow-up to it waits for its end.
    await until(async () => (await client.responses.retrieve(queued.id)).status === 'in_progress');
    const follow = await apiError(client.responses.create({ model: 'deepseek-reasoner', input: 'and?', previous_response_id: queued.id }));
    expect([follow.status, follow.param]).toEqual([400, 'previous_response_id']);
    expect((await apiError(other.responses.retrieve(queued.id))).status).toBe(404);
    release();
    const done = await settled(queued.id);
    expect(done).toMatchObject({ id: queued.id, status: 'completed', background: true, output_text: 'Hello! How can I help?' });
    expect(done.output.map((o: any) => o.type)).toEqual(['reasoning', 'message']);
    const { output_text: _text, _request_id: _id, ...wire } = done;
    expect(schemaErrors('Response', wire)).toEqual([]);
    expect(deepseek.last().body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ endpoint: 'responses', status: 200, promptTokens: 12, completionTokens: 30, reasoningTokens: 22 });
    expect(done.usage).toMatchObject({ input_tokens: 12, output_tokens: 30 });
    // Continued once it ended.
    answer = () => jsonResponse(fixtureJson('deepseek', 'chat.json'));
    const next = await client.responses.create({ model: 'deepseek-reasoner', input: 'and?', previous_response_id: queued.id });
    expect(next.status).toBe('completed');
    // Ended: a cancel answers it as it is.
    expect((await client.responses.cancel(queued.id)).status).toBe('completed');
  });

  test('streamed: the client that leaves stops only its stream; retrieve with stream and starting_after resumes the events where it left', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    answer = () => sseResponse([...CHUNKS, '[DONE]'], { holdAt: { at: 3, until: held } });
    const { data: stream, response } = await client.responses.create({ model: 'deepseek-reasoner', input: 'Hello', background: true, stream: true }).withResponse();
    const seen: any[] = [];
    for await (const e of stream) {
      seen.push(e);
      if (e.type === 'response.reasoning_text.delta') break; // the client leaves
    }
    expectValidEvents(seen);
    const id = seen[0].response.id;
    // As OpenAI streams a background response: created and queued (status queued), then in_progress once it runs.
    expect(seen.slice(0, 3).map((e) => [e.type, e.response?.status])).toEqual([
      ['response.created', 'queued'], ['response.queued', 'queued'], ['response.in_progress', 'in_progress'],
    ]);
    expect(seen[0].response.background).toBe(true);
    release();
    const done = await settled(id);
    expect(done.status).toBe('completed');
    const last = seen.at(-1).sequence_number;
    const rest: any[] = [];
    for await (const e of await client.responses.retrieve(id, { stream: true, starting_after: last })) rest.push(e);
    expectValidEvents(rest, last + 1);
    const all = [...seen, ...rest];
    expectConsistentItems(all);
    expect(rest.at(-1)).toMatchObject({ type: 'response.completed' });
    expect(rest.at(-1).response.output_text ?? '').toBe('');
    expect(rest.at(-1).response.output).toEqual(done.output);
    // From the start, all of them again; a bad starting_after is a 400 naming it.
    const again: any[] = [];
    for await (const e of await client.responses.retrieve(id, { stream: true })) again.push(e);
    expect(again.map((e) => e.sequence_number)).toEqual(all.map((e) => e.sequence_number));
    // The SDK's own resume helper (it reads the events from the start and skips those it had).
    const resumed = await client.responses.stream({ response_id: id, starting_after: last }).finalResponse();
    expect(resumed.output_text).toBe(done.output_text);
    expect(resumed.status).toBe('completed');
    const bad = await gw.fetch(`/v1/responses/${id}?stream=true&starting_after=x`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.param).toBe('starting_after');
    // One row, as the upstream call ended (the client leaving its stream did not end the call).
    expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'responses', status: 200, completionTokens: 30, error: null });
  });

  test('cancel ends the upstream call: stored cancelled, its partial output incomplete; one row', async () => {
    answer = () => sseResponse([...CHUNKS, '[DONE]'], { hangAfter: 3, onAbort: () => deepseek.noteAbort() });
    const aborts = deepseek.aborts;
    const { data: queued, response } = await client.responses.create({ model: 'deepseek-reasoner', input: 'Hello', background: true }).withResponse();
    await until(async () => (await client.responses.retrieve(queued.id)).status === 'in_progress');
    const cancelled = await client.responses.cancel(queued.id);
    expect(cancelled).toMatchObject({ id: queued.id, status: 'cancelled', background: true });
    await deepseek.waitForAbort(aborts + 1);
    const after = await client.responses.retrieve(queued.id);
    expect(after.status).toBe('cancelled');
    expect(after.output.map((o: any) => [o.type, o.status])).toEqual([['reasoning', 'incomplete']]);
    // Billed once: the prompt and the reasoning delivered before the cancel (estimated), status 499 as a client that left.
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ endpoint: 'responses', status: 499, estimated: true });
    expect(row.promptTokens).toBeGreaterThan(0);
    expect(row.completionTokens).toBeGreaterThan(0);
    // Cancelled again: as it is.
    expect((await client.responses.cancel(queued.id)).status).toBe('cancelled');
  });

  test('cancelled while a client follows its stream: the stream ends with the response, status cancelled, as does a resumed one; one row billing what came', async () => {
    answer = () => sseResponse([...CHUNKS, '[DONE]'], { hangAfter: 3, onAbort: () => deepseek.noteAbort() });
    const { data: stream, response } = await client.responses.create({ model: 'deepseek-reasoner', input: 'Hello', background: true, stream: true }).withResponse();
    const seen: any[] = [];
    let cancelled: any;
    for await (const e of stream) {
      seen.push(e);
      // Cancelled through another call while this stream follows it; the loop reads on to the stream's end.
      if (e.type === 'response.reasoning_text.delta' && !cancelled) cancelled = await client.responses.cancel(seen[0].response.id);
    }
    const id = seen[0].response.id;
    expect(cancelled).toMatchObject({ id, status: 'cancelled' });
    expectValidEvents(seen);
    expectConsistentItems(seen);
    // OpenAI's events have no response.cancelled (the SDK's stream helpers throw on it): response.incomplete, status cancelled.
    const last = seen.at(-1);
    expect([last.type, last.response.status, last.response.incomplete_details, last.response.error]).toEqual(['response.incomplete', 'cancelled', null, null]);
    expect(last.response.output.map((o: any) => [o.type, o.status])).toEqual([['reasoning', 'incomplete']]);
    // The stored response is the one the stream ended with, and the cancel's answer.
    const stored = await client.responses.retrieve(id);
    const { _request_id: _r, ...wire } = stored as any;
    expect(wire).toEqual({ ...last.response, output_text: stored.output_text });
    expect(cancelled.output).toEqual(last.response.output);
    // A resumed stream ends the same way; the SDK's own stream helper reads it to its end.
    const rest: any[] = [];
    for await (const e of await client.responses.retrieve(id, { stream: true, starting_after: seen.at(-3).sequence_number })) rest.push(e);
    expect(rest).toEqual(seen.slice(-2));
    const resumed = await client.responses.stream({ response_id: id, starting_after: 1 }).finalResponse();
    expect([resumed.id, resumed.status]).toEqual([id, 'cancelled']);
    // One row: the prompt and what came before the cancel (estimated), as the response's usage tells it.
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ endpoint: 'responses', status: 499, estimated: true });
    expect(row.completionTokens).toBeGreaterThan(0);
    expect([last.response.usage.input_tokens, last.response.usage.output_tokens]).toEqual([row.promptTokens, row.completionTokens]);
  });

  test("Gemini cancelled while followed: the stream ends the same way, its usage the prompt count Gemini had reported, as the row bills it", async () => {
    const aborts = gemini.aborts;
    const { data: stream, response } = await client.responses.create({ model: 'gemini-2.5-flash', input: 'Hello', background: true, stream: true }).withResponse();
    const seen: any[] = [];
    for await (const e of stream) {
      seen.push(e);
      if (e.type === 'response.output_text.delta') await client.responses.cancel(seen[0].response.id);
    }
    await gemini.waitForAbort(aborts + 1);
    expectValidEvents(seen);
    expect(seen.at(-1)).toMatchObject({ type: 'response.incomplete', response: { status: 'cancelled' } });
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ provider: 'gemini', status: 499 });
    expect(seen.at(-1).response.usage.input_tokens).toBe(row.promptTokens);
    expect((await client.responses.retrieve(seen[0].response.id)).usage).toEqual(seen.at(-1).response.usage);
  });

  test('an upstream refusal ends it failed with the error; store false is a 400 naming store; a synchronous one still cannot be cancelled', async () => {
    answer = () => jsonResponse({ error: { message: 'Insufficient Balance', type: 'unknown_error', code: 'invalid_request_error' } }, 402);
    const { data: queued, response } = await client.responses.create({ model: 'deepseek-reasoner', input: 'Hello', background: true }).withResponse();
    const failed = await settled(queued.id);
    expect(failed.status).toBe('failed');
    expect(failed.error.message).toContain('Insufficient Balance');
    expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'responses', status: 402 });

    const noStore = await apiError(client.responses.create({ model: 'deepseek-reasoner', input: 'Hello', background: true, store: false }));
    expect([noStore.status, noStore.param]).toEqual([400, 'store']);
    expect(await gw.waitForRow(noStore)).toMatchObject({ endpoint: 'responses', status: 400 });

    answer = () => jsonResponse(fixtureJson('deepseek', 'chat.json'));
    const sync = await client.responses.create({ model: 'deepseek-reasoner', input: 'Hello' });
    expect((await apiError(client.responses.cancel(sync.id))).message).toContain('synchronous');
    expect((await apiError(client.responses.retrieve(sync.id, { stream: true }) as any)).param).toBe('stream');
  });
});

describe('BackgroundJobs', () => {
  test('drain: the running jobs get a while to end, then are cancelled, and it waits for their end; a follower sees the events after starting_after', async () => {
    const { BackgroundJobs, followJob } = await import('../../src/responses/bridged-background');
    const jobs = new BackgroundJobs();
    const quick = jobs.start('resp_quick');
    const slow = jobs.start('resp_slow');
    // A job ends once its run saw the cancel (as runInBackground does).
    slow.signal.addEventListener('abort', () => setTimeout(() => slow.end(), 5));
    const ev = (n: number) => ({ type: 'response.output_text.delta', sequence_number: n }) as any;
    quick.push([ev(0), ev(1)]);
    const text = new Response(followJob(quick, 0)).text();
    quick.push([ev(2)]);
    setTimeout(() => quick.end(), 5);
    expect(jobs.running).toBe(2);
    await jobs.drain(30);
    expect([quick.cancelled, slow.cancelled, quick.ended, slow.ended, jobs.running]).toEqual([false, true, true, true, 0]);
    expect((await text).match(/"sequence_number":\d+/g)).toEqual(['"sequence_number":1', '"sequence_number":2']);
  });
});

describe('BackgroundJobs: finished events held within a size bound', () => {
  const delta = (n: number, text: string) => ({ type: 'response.output_text.delta', sequence_number: n, item_id: 'msg_1', output_index: 0, content_index: 0, delta: text }) as any;
  /** A finished job of `count` deltas of `size` characters each. */
  const finish = async (jobs: InstanceType<typeof import('../../src/responses/bridged-background').BackgroundJobs>, id: string, count: number, size: number) => {
    const job = jobs.start(id);
    for (let i = 0; i < count; i++) job.push([delta(i, 'x'.repeat(size))]);
    job.end();
    await job.done;
    await Bun.sleep(0);
    return job;
  };

  test('long answers: the oldest finished jobs are forgotten past the default size bound, the newest kept; running ones never', async () => {
    const { BackgroundJobs, MAX_FINISHED_EVENT_BYTES } = await import('../../src/responses/bridged-background');
    const jobs = new BackgroundJobs();
    const running = jobs.start('resp_running');
    running.push([delta(0, 'still going')]);
    // 100 answers of 4,000 deltas of 250 characters (~1 MB each): under the count bound (1,000),
    // ~100 MB of events without a size bound.
    for (let i = 0; i < 100; i++) await finish(jobs, `resp_long${i}`, 4000, 250);
    const held = jobs.held;
    expect(held.finishedBytes).toBeLessThanOrEqual(MAX_FINISHED_EVENT_BYTES);
    expect(held.finishedBytes).toBeGreaterThan(MAX_FINISHED_EVENT_BYTES / 2);
    expect(held.jobs).toBeLessThan(101);
    expect(jobs.get('resp_long99')?.events).toHaveLength(4000);
    expect(jobs.get('resp_long0')).toBeUndefined();
    expect(jobs.get('resp_running')).toBe(running);
    expect(jobs.running).toBe(1);
  });

  test('a job forgotten by the bounds is let go at once, not held by its ten-minute timer', async () => {
    const { BackgroundJobs } = await import('../../src/responses/bridged-background');
    const jobs = new BackgroundJobs(1000, 50_000);
    // 60 answers of ~100 KB past a 50 KB bound: each forgets the one before it. Only weak
    // references to them stay here (the timer that forgets a kept job held it, and its events, 10 min).
    const gone: WeakRef<object>[] = [];
    for (let i = 0; i < 60; i++) gone.push(new WeakRef(await finish(jobs, `resp_${i}`, 100, 1000)));
    expect(jobs.held.jobs).toBe(1);
    await Bun.sleep(0);
    Bun.gc(true);
    // The collector scans the stack conservatively, so one or two may linger; before, all 59 did.
    expect(gone.slice(0, -1).filter((r) => r.deref() !== undefined).length).toBeLessThan(10);
  });

  test('one finished job over the bound alone is kept; the sizes follow what is forgotten', async () => {
    const { BackgroundJobs } = await import('../../src/responses/bridged-background');
    const jobs = new BackgroundJobs(1000, 50_000);
    await finish(jobs, 'resp_a', 10, 1000);
    await finish(jobs, 'resp_b', 10, 1000);
    expect(jobs.held.jobs).toBe(2);
    const before = jobs.held.finishedBytes;
    await finish(jobs, 'resp_huge', 100, 1000);
    expect(jobs.held.jobs).toBe(1);
    expect(jobs.get('resp_huge')).toBeDefined();
    expect(jobs.held.finishedBytes).toBeGreaterThan(100_000);
    expect(before).toBeGreaterThan(20_000);
    await finish(jobs, 'resp_c', 10, 1000);
    expect([...['resp_huge', 'resp_c'].map((id) => jobs.get(id) !== undefined)]).toEqual([false, true]);
    expect(jobs.held.finishedBytes).toBeLessThan(before);
  });
});
