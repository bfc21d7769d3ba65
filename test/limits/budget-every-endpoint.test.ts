/**
 * A tiny budget under 150 requests at once, streamed and not, on every priced endpoint (chat,
 * responses, messages, embeddings, images) from one process through the official SDKs: the
 * period's spend, summed from the rows by request id, never passes it, and each refusal is the
 * endpoint's own error shape with code budget_exceeded.
 */
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { fixtureJson, jsonResponse, readChunks, sseResponse } from '../helpers/fake-upstream';
import { openaiEmbeddingAnswer } from '../embeddings/fake-embeddings';
import { limitedClient, startLimitsRig, type LimitsRig, addEmbeddingAndImageModels } from './limits-helpers';

setDefaultTimeout(60_000);

let rig: LimitsRig;
beforeAll(async () => {
  rig = await startLimitsRig();
  addEmbeddingAndImageModels(rig);
  const CHAT = readChunks('openai', 'text.chunks.txt');
  const RESPONSES = readChunks('responses', 'openai-response-stream.chunks.txt');
  const IMAGES = fixtureJson('images', 'openai-dalle2-b64.json');
  rig.fake.handler = async (_req, rec) => {
    await Bun.sleep(Math.floor(Math.random() * 30)); // answers overlap and end in any order
    const body = rec.body as any;
    if (rec.path === '/v1/embeddings') return openaiEmbeddingAnswer(body, 5);
    if (rec.path === '/v1/images/generations') return jsonResponse({ ...IMAGES, data: IMAGES.data.slice(0, body.n ?? 1) });
    if (rec.path === '/v1/responses') return sseResponse(RESPONSES.map((l) => l.replace(/^data: /, '')).filter((l) => !l.startsWith('event:')));
    return body.stream ? sseResponse(CHAT) : jsonResponse(fixtureJson('openai', 'chat.json'));
  };
}, 30_000);
afterAll(() => rig.close());

const hello = [{ role: 'user' as const, content: 'Hello' }];

test('150 requests at once on every endpoint, each of six keys with a budget that fits a few: no key\'s rows sum past it; refusals are 429 budget_exceeded in each API shape', async () => {
  const budget = 0.3;
  /** Drains a stream and returns its request id; a stream's refusal comes as the create's error. */
  const drain = async (p: Promise<{ data: AsyncIterable<unknown>; response: Response }>) => {
    const { data, response } = await p;
    for await (const _ of data);
    return response.headers.get('x-request-id')!;
  };
  const idOf = async (p: Promise<{ response: Response }>) => (await p).response.headers.get('x-request-id')!;
  const kinds: Record<string, (openai: OpenAI, anthropic: Anthropic) => Promise<string>> = {
    chat: (o) => drain(o.chat.completions.create({ model: 'lim-model', max_tokens: 10, stream: true, stream_options: { include_usage: true }, messages: hello }).withResponse()),
    'chat-json': (o) => idOf(o.chat.completions.create({ model: 'lim-model', max_tokens: 10, messages: hello }).withResponse()),
    responses: (o) => drain(o.responses.create({ model: 'lim-model', max_output_tokens: 20, stream: true, input: 'Hello' }).withResponse()),
    messages: (_, a) => drain(a.messages.create({ model: 'lim-model', max_tokens: 10, stream: true, messages: hello }).withResponse()),
    embeddings: (o) => idOf(o.embeddings.create({ model: 'lim-embed', input: 'Hello' }).withResponse()),
    images: (o) => idOf(o.images.generate({ model: 'lim-dalle', prompt: 'a cat', n: 1, size: '256x256' }).withResponse()),
  };
  const keys = await Promise.all(Object.keys(kinds).map((k) => limitedClient(rig.gw, `every-${k}`, { budgetUsd: budget, budgetPeriod: 'day' })));
  const runs = Object.values(kinds).map((call, i) => {
    const openai = new OpenAI({ apiKey: keys[i]!.key, baseURL: `${rig.gw.url}/v1`, maxRetries: 0 });
    const anthropic = new Anthropic({ apiKey: keys[i]!.key, baseURL: rig.gw.url, maxRetries: 0 });
    return Array.from({ length: 25 }, () => call(openai, anthropic));
  });
  const settledRuns = await Promise.all(runs.map((r) => Promise.allSettled(r)));
  for (const [i, results] of settledRuns.entries()) {
    const answered = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(answered.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    const refusedIds: string[] = [];
    for (const err of refused) {
      if (err instanceof Anthropic.APIError) {
        expect(err).toBeInstanceOf(Anthropic.RateLimitError);
        expect((err.error as any).type).toBe('error');
        expect((err.error as any).error.type).toBe('rate_limit_error');
        expect((err.error as any).error.message).toContain('Budget exceeded');
      } else {
        expect(err).toBeInstanceOf(OpenAI.RateLimitError);
        expect([err.status, err.code, err.type]).toEqual([429, 'budget_exceeded', 'insufficient_quota']);
        expect(err.message).toContain('Budget exceeded');
      }
      // Refused while the others' reservations held the room: retryable once they settle; else spent.
      const held = String((err.error as any)?.error?.message ?? err.message).includes('for now');
      if (held) expect([err.headers.get('x-should-retry'), err.headers.get('retry-after')]).toEqual(['true', '1']);
      else expect(err.headers.get('x-should-retry')).toBe('false');
      refusedIds.push(err.headers.get('x-request-id'));
    }
    const rows = await Promise.all([...answered, ...refusedIds].map((id) => rig.gw.waitForRow(id)));
    for (const r of rows.filter((r) => answered.includes(r.requestId))) expect([r.status, r.costUsd > 0]).toEqual([200, true]);
    for (const r of rows.filter((r) => refusedIds.includes(r.requestId))) expect([r.status, r.errorType, r.costUsd]).toEqual([429, 'budget_exceeded', 0]);
    const spent = rows.reduce((s, r) => s + r.costUsd, 0);
    expect(spent).toBeLessThanOrEqual(budget);
    const scope = rig.gw.ctx.state.getSnapshot().clientsById!.get(keys[i]!.id)!.limits!.scopes[0]!;
    expect(rig.gw.ctx.limits.counters.spend(scope, rig.clock.now)).toBeCloseTo(spent, 10);
    expect(rig.gw.ctx.limits.counters.outstanding(scope)).toEqual({ reservedUsd: 0, inFlight: 0 });
  }
});
