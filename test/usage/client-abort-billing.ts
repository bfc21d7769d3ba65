/**
 * A client that leaves (AbortSignal, its SDK's timeout) once the gateway has sent its request
 * upstream: the provider received the prompt and bills it, so the 499 row does too, estimated
 * (the estimator a row without usage uses, at the target's input price, no cache assumed), plus
 * what was delivered; the key's budget spend is the sum of its rows. A request that never left
 * the gateway (still queued) and an upstream that could not be reached bill nothing.
 * Run on memory counters (client-abort-billing.test.ts) and on Redis (test/redis/).
 */
import { expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { LogRow } from '../../src/logging/log-row';
import { models } from '../../src/db/schema';
import { estimateUsage } from '../../src/usage/estimate-usage';
import { ADMIN_PASSWORD, api, login } from '../helpers/admin-harness';
import { fixtureText, readChunks, sseResponse, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { eventually } from '../helpers/redis-env';
import { providerEnv } from '../helpers/start-gateway';
import { addBridgedModel, addEmbeddingAndImageModels, limitedClient, PRICE, startLimitsRig, type LimitsRig } from '../limits/limits-helpers';

export interface AbortRig {
  rig: LimitsRig;
  /** DeepSeek (the bridged model) and Anthropic (lim-claude, native /v1/messages), on one fake. */
  other: FakeUpstream;
  close(): Promise<void>;
}

/** The limits rig with every path's priced model: chat, passthrough and bridged responses, native messages, embeddings, images. */
export async function startAbortRig(env: Record<string, string> = {}): Promise<AbortRig> {
  const other = startFakeUpstream();
  const rig = await startLimitsRig({
    env: { ...providerEnv('deepseek', other.url), ...providerEnv('anthropic', other.url), ...providerEnv('grok', 'http://127.0.0.1:1/v1'), ...env },
  });
  addBridgedModel(rig);
  addEmbeddingAndImageModels(rig);
  const now = Date.now();
  rig.gw.ctx.db.insert(models).values([
    { id: 'lim-claude', provider: 'anthropic', upstreamId: 'claude-sonnet-4-5', inputPrice: PRICE, outputPrice: PRICE, updatedAt: now },
    { id: 'lim-down', provider: 'grok', upstreamId: 'grok-4', inputPrice: PRICE, outputPrice: PRICE, updatedAt: now },
  ]).run();
  rig.gw.ctx.state.reload();
  return { rig, other, close: async () => (await rig.close(), other.close()) };
}

/** An upstream that never sends its head: it waits until the gateway leaves. */
const headNeverComes: FakeHandler = (req) => new Promise<Response>((_, reject) => req.signal.addEventListener('abort', () => reject(new Error('gateway left'))));

const marked = (fake: FakeUpstream, mark: string) => fake.requests.some((r) => JSON.stringify(r.body).includes(mark));

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  if (!(await eventually(check, 15_000))) throw new Error(`never happened: ${what}`);
}

type Call = (o: { openai: OpenAI; anthropic: Anthropic; signal: AbortSignal; mark: string }) => Promise<unknown>;

const drain = async (p: Promise<AsyncIterable<unknown>>) => {
  for await (const _ of await p);
};

/** Every path, each with a prompt that carries `mark` (so the fake's records tell when it arrived). */
export const PATHS: Record<string, { fake: 'openai' | 'other'; call: Call; chat?: (mark: string) => { role: 'user'; content: string }[] }> = {
  chat: { fake: 'openai', chat: (m) => [{ role: 'user', content: `Tell me about ${m}` }], call: ({ openai, signal, mark }) => openai.chat.completions.create({ model: 'lim-model', max_tokens: 10, messages: [{ role: 'user', content: `Tell me about ${mark}` }] }, { signal }) },
  'chat stream': { fake: 'openai', chat: (m) => [{ role: 'user', content: `Tell me about ${m}` }], call: ({ openai, signal, mark }) => drain(openai.chat.completions.create({ model: 'lim-model', max_tokens: 10, stream: true, messages: [{ role: 'user', content: `Tell me about ${mark}` }] }, { signal })) },
  'responses passthrough': { fake: 'openai', call: ({ openai, signal, mark }) => openai.responses.create({ model: 'lim-model', max_output_tokens: 20, input: `Tell me about ${mark}` }, { signal }) },
  'responses passthrough stream': { fake: 'openai', call: ({ openai, signal, mark }) => drain(openai.responses.create({ model: 'lim-model', max_output_tokens: 20, stream: true, input: `Tell me about ${mark}` }, { signal })) },
  'responses bridged': { fake: 'other', call: ({ openai, signal, mark }) => openai.responses.create({ model: 'lim-bridged', max_output_tokens: 20, input: `Tell me about ${mark}` }, { signal }) },
  'responses bridged stream': { fake: 'other', call: ({ openai, signal, mark }) => drain(openai.responses.create({ model: 'lim-bridged', max_output_tokens: 20, stream: true, input: `Tell me about ${mark}` }, { signal })) },
  'messages translated': { fake: 'openai', call: ({ anthropic, signal, mark }) => anthropic.messages.create({ model: 'lim-model', max_tokens: 10, messages: [{ role: 'user', content: `Tell me about ${mark}` }] }, { signal }) },
  'messages native stream': { fake: 'other', call: ({ anthropic, signal, mark }) => drain(anthropic.messages.create({ model: 'lim-claude', max_tokens: 10, stream: true, messages: [{ role: 'user', content: `Tell me about ${mark}` }] }, { signal })) },
  'messages native': { fake: 'other', call: ({ anthropic, signal, mark }) => anthropic.messages.create({ model: 'lim-claude', max_tokens: 10, messages: [{ role: 'user', content: `Tell me about ${mark}` }] }, { signal }) },
  embeddings: { fake: 'openai', call: ({ openai, signal, mark }) => openai.embeddings.create({ model: 'lim-embed', input: `Tell me about ${mark}` }, { signal }) },
  images: { fake: 'openai', call: ({ openai, signal, mark }) => openai.images.generate({ model: 'lim-image', prompt: `A picture of ${mark}` }, { signal }) },
};

const clientsOf = (r: LimitsRig, key: string) => ({
  openai: new OpenAI({ apiKey: key, baseURL: `${r.gw.url}/v1`, maxRetries: 0 }),
  anthropic: new Anthropic({ apiKey: key, baseURL: r.gw.url, maxRetries: 0 }),
});

/** Sends one request on `path` and aborts it once the upstream has it (its head never comes); the key's one row. */
export async function abortAfterSend(a: AbortRig, path: string, key: { key: string; id: number }): Promise<LogRow> {
  const { rig } = a;
  const p = PATHS[path]!;
  const fake = p.fake === 'openai' ? rig.fake : a.other;
  fake.handler = headNeverComes;
  const mark = `m${crypto.randomUUID().slice(0, 8)}`;
  const before = rig.gw.logs.filter((r) => r.clientId === key.id).length;
  const controller = new AbortController();
  const pending = p.call({ ...clientsOf(rig, key.key), signal: controller.signal, mark }).then(
    () => 'answered',
    (e) => e,
  );
  await until(() => marked(fake, mark), `${path} reached the upstream`);
  controller.abort();
  expect(await pending).toBeInstanceOf(Error);
  const rows = await rig.gw.waitForClientRows(key.id, before + 1);
  expect(rows).toHaveLength(before + 1);
  return rows.at(-1)!;
}

/** The key's budget spend as the admin API shows it, once it stopped moving towards `want` (a shared store settles off the request path). */
export async function spendOf(rig: LimitsRig, id: number, want: number): Promise<number> {
  const admin = await login(rig.gw, 'admin', ADMIN_PASSWORD);
  let spend = NaN;
  await eventually(async () => {
    spend = ((await (await api(rig.gw, 'GET', `/api/clients/${id}`, { as: admin })).json()) as { spend_usd: number }).spend_usd;
    return Math.abs(spend - want) < 1e-9;
  }, 10_000);
  return spend;
}

/** The cases, on the rig `get` gives (memory counters or Redis). */
export function abortBillingCases(get: () => AbortRig): void {
  for (const path of Object.keys(PATHS)) {
    test(`${path}: a client that leaves once the upstream has the request is billed its prompt, estimated; the key's spend is the row's cost`, async () => {
      const a = get();
      const key = await limitedClient(a.rig.gw, `abort-${path}`, { budgetUsd: 100, budgetPeriod: 'total', tpm: 1_000_000 });
      const row = await abortAfterSend(a, path, key);
      expect(row).toMatchObject({ status: 499, errorType: 'client_closed_request', completionTokens: 0, cachedTokens: 0, estimated: true });
      expect(row.promptTokens).toBeGreaterThan(0);
      expect(row.costUsd).toBeCloseTo(row.promptTokens * (PRICE / 1e6), 12);
      const chat = PATHS[path]!.chat;
      if (chat) {
        const mark = /about (m\w+)/.exec(JSON.stringify(a.rig.fake.last().body))![1]!;
        expect(row.promptTokens).toBe((await estimateUsage(chat(mark), '', a.rig.gw.ctx.tokenCounter)).input);
      }
      expect(await spendOf(a.rig, key.id, row.costUsd)).toBeCloseTo(row.costUsd, 12);
      const scope = a.rig.gw.ctx.state.getSnapshot().clientsById!.get(key.id)!.limits!.scopes[0]!;
      await until(async () => ((await a.rig.gw.ctx.limits.counters.outstanding(scope)) as { inFlight: number; reservedUsd: number }).reservedUsd < 1e-12, 'the reservation settled');
    });
  }

  test('a chat stream the client leaves after its first chunk (no text yet): the prompt is billed, estimated', async () => {
    const { rig } = get();
    const key = await limitedClient(rig.gw, 'abort-first-chunk', { budgetUsd: 5, budgetPeriod: 'total' });
    rig.fake.handler = () => sseResponse(readChunks('openai', 'text.chunks.txt'), { hangAfter: 1 });
    const controller = new AbortController();
    const { data, response } = await clientsOf(rig, key.key).openai.chat.completions.create({ model: 'lim-model', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'Hello there' }] }, { signal: controller.signal }).withResponse();
    const it = data[Symbol.asyncIterator]();
    expect(((await it.next()).value as any).choices[0].delta.content).toBe('');
    controller.abort();
    await it.next().catch(() => {});
    const row = await rig.gw.waitForRow(response);
    expect(row).toMatchObject({ status: 499, errorType: 'client_closed_request', completionTokens: 0, estimated: true });
    expect(row.promptTokens).toBe((await estimateUsage([{ role: 'user', content: 'Hello there' }], '', rig.gw.ctx.tokenCounter)).input);
    expect(row.costUsd).toBeCloseTo(row.promptTokens * (PRICE / 1e6), 12);
    expect(await spendOf(rig, key.id, row.costUsd)).toBeCloseTo(row.costUsd, 12);
  });

  test('a native messages stream the client leaves mid-way: the prompt as Anthropic reported it, and the text delivered', async () => {
    const a = get();
    const key = await limitedClient(a.rig.gw, 'abort-native-mid', { budgetUsd: 5, budgetPeriod: 'total' });
    // Anthropic's events as sent (named), up to the first text delta; then silence until the gateway leaves.
    const head = fixtureText('anthropic', 'text.sse').split('\n\n').slice(0, 4).join('\n\n') + '\n\n';
    a.other.handler = () => new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode(head)) }), { headers: { 'content-type': 'text/event-stream' } });
    const controller = new AbortController();
    const { data, response } = await clientsOf(a.rig, key.key).anthropic.messages.create({ model: 'lim-claude', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'Hello' }] }, { signal: controller.signal }).withResponse();
    const it = data[Symbol.asyncIterator]();
    const seen: string[] = [];
    for (;;) {
      const e = (await it.next()).value as any;
      seen.push(e.type);
      if (e.type === 'content_block_delta') break;
    }
    controller.abort();
    await it.next().catch(() => {});
    const row = await a.rig.gw.waitForRow(response);
    expect(row).toMatchObject({ status: 499, errorType: 'client_closed_request' });
    expect(row.promptTokens).toBeGreaterThan(0);
    expect(row.completionTokens).toBeGreaterThan(0);
    expect(row.costUsd).toBeCloseTo((row.promptTokens + row.completionTokens) * (PRICE / 1e6), 12);
    expect(await spendOf(a.rig, key.id, row.costUsd)).toBeCloseTo(row.costUsd, 12);
  });

  test("the SDK's own timeout while the upstream has not answered: billed as an abort", async () => {
    const { rig } = get();
    const key = await limitedClient(rig.gw, 'abort-sdk-timeout', { budgetUsd: 5, budgetPeriod: 'total' });
    rig.fake.handler = headNeverComes;
    const mark = `t${crypto.randomUUID().slice(0, 8)}`;
    const openai = new OpenAI({ apiKey: key.key, baseURL: `${rig.gw.url}/v1`, maxRetries: 0, timeout: 3_000 });
    const err = await openai.chat.completions.create({ model: 'lim-model', max_tokens: 10, messages: [{ role: 'user', content: `About ${mark}` }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    const [row] = await rig.gw.waitForClientRows(key.id, 1);
    expect(row).toMatchObject({ status: 499, errorType: 'client_closed_request' });
    // Billed exactly when the upstream had it (on a loaded machine the SDK may give up first).
    if (marked(rig.fake, mark)) expect(row!.promptTokens).toBe((await estimateUsage([{ role: 'user', content: `About ${mark}` }], '', rig.gw.ctx.tokenCounter)).input);
    else expect(row!.promptTokens).toBe(0);
    expect(row!.costUsd).toBeCloseTo(row!.promptTokens * (PRICE / 1e6), 12);
  });

  test("N aborted requests of one key, on every path: its budget's spend is the sum of its rows' costs", async () => {
    const a = get();
    const key = await limitedClient(a.rig.gw, 'abort-many', { budgetUsd: 100, budgetPeriod: 'total', tpm: 1_000_000 });
    const rows: LogRow[] = [];
    for (const path of Object.keys(PATHS)) rows.push(await abortAfterSend(a, path, key));
    expect(rows).toHaveLength(Object.keys(PATHS).length);
    for (const r of rows) expect(r.costUsd).toBeGreaterThan(0);
    const sum = rows.reduce((s, r) => s + r.costUsd, 0);
    expect(await spendOf(a.rig, key.id, sum)).toBeCloseTo(sum, 12);
  });

  test('an upstream that cannot be reached (502) bills nothing', async () => {
    const { rig } = get();
    const key = await limitedClient(rig.gw, 'abort-unreachable', { budgetUsd: 5, budgetPeriod: 'total' });
    const err = await clientsOf(rig, key.key).openai.chat.completions.create({ model: 'lim-down', max_tokens: 10, messages: [{ role: 'user', content: 'Hello' }] }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const row = await rig.gw.waitForRow(err.requestID);
    expect(row).toMatchObject({ status: 502, errorType: 'upstream_unreachable', promptTokens: 0, costUsd: 0 });
    expect(await spendOf(rig, key.id, 0)).toBe(0);
  });
}
