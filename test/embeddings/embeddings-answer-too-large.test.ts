/**
 * An embeddings answer larger than the gateway reads (128 MiB): its size is the request's
 * (inputs times dimensions), so it is a clean 502 that is not tried again (not on the pool's other
 * key, not by the SDK: `x-should-retry: false`, not by a group's next target), does not count
 * against the provider's circuit, and bills the prompt the provider computed it for. Floats asked
 * of OpenAI go up as base64, so OpenAI's largest float answer (2,048 x 3,072) stays ~4x under it.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { addProviderKey } from '../../src/admin/provider-keys-service';
import { modelGroups } from '../../src/db/schema';
import { MAX_UPSTREAM_BODY_BYTES } from '../../src/providers/shared/read-capped';
import { startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { geminiBatchAnswer, openaiEmbeddingAnswer } from './fake-embeddings';

const HUGE = 'a text whose vectors are too many bytes';
const head = new TextEncoder().encode('{"object":"list","data":[{"object":"embedding","index":0,"embedding":[');
const floats = new TextEncoder().encode('-0.006929283495992422, '.repeat(40_000));
/** An answer that goes on past the cap, sent in chunks without a length (as a float JSON is streamed). */
function endlessFloats(): Response {
  let sent = 0;
  return new Response(
    new ReadableStream({
      start: (c) => c.enqueue(head),
      pull(c) {
        if (sent > MAX_UPSTREAM_BODY_BYTES + floats.byteLength) return c.close();
        c.enqueue(floats);
        sent += floats.byteLength;
      },
    }),
    { headers: { 'content-type': 'application/json' } },
  );
}
const hasHuge = (input: unknown) => JSON.stringify(input).includes(HUGE);
const openai = startFakeUpstream((_req, rec) => (hasHuge(rec.body.input) ? endlessFloats() : openaiEmbeddingAnswer(rec.body, 3)));
const ollama = startFakeUpstream((_req, rec) => (hasHuge(rec.body.input) ? endlessFloats() : openaiEmbeddingAnswer(rec.body, 3)));
const gemini = startFakeUpstream((_req, rec) => geminiBatchAnswer(rec));
let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({
    env: { ...providerEnv('openai', `${openai.url}/v1`), ...providerEnv('ollama', `${ollama.url}/v1`), ...providerEnv('gemini', gemini.url) },
  });
  await addProviderKey(gw.ctx, 'openai', { key: 'sk-pool-second-key-abcdWXYZ', weight: 1, label: 'second' });
  gw.ctx.db.insert(modelGroups).values({ name: 'ollama-then-gemini', strategy: 'heuristic', targets: ['ollama/nomic-embed-text', 'gemini-embedding-001'], updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  openai.close();
  ollama.close();
  gemini.close();
});

test("floats asked of OpenAI go up as base64: the SDKs' float requests are decoded by the gateway", async () => {
  const { data } = await gw.openai().embeddings.create({ model: 'text-embedding-3-small', input: ['one', 'two'], encoding_format: 'float' }).withResponse();
  expect(openai.last().body.encoding_format).toBe('base64');
  expect(data.data.map((d) => d.embedding.length)).toEqual([8, 8]);
});

test('OpenAI (two keys) past the cap: one call, even with the SDK retrying; 502 x-should-retry false; the prompt billed', async () => {
  const before = openai.requests.length;
  const sdk = gw.openai();
  const err = await apiError(sdk.withOptions({ maxRetries: 2 }).embeddings.create({ model: 'text-embedding-3-small', input: [HUGE, 'second'] }));
  expect(err.status).toBe(502);
  expect(err.error).toMatchObject({ type: 'api_error', code: 'upstream_error' });
  expect((err.error as { message: string }).message).toContain('embeddings answer larger than 128 MiB');
  expect(err.headers?.get('x-should-retry')).toBe('false');
  expect(openai.requests.length - before).toBe(1);
  const row = await gw.waitForRow(err);
  const prompt = (await gw.ctx.tokenCounter.count([HUGE, 'second'])).reduce((a, n) => a + n, 0);
  // Billed as a failed try the provider charges (as Gemini's answered batches before a failing one).
  expect(row).toMatchObject({ endpoint: 'embeddings', status: 502, provider: 'openai', estimated: true });
  expect(JSON.parse(row.attempts!)[0].billed).toMatchObject({ prompt_tokens: prompt, completion_tokens: 0 });
  expect(row.costUsd).toBeCloseTo((prompt * 0.02) / 1e6, 14);
});

test("Ollama (floats only) past the cap, in a group: the group's next target is not tried; the circuit stays closed", async () => {
  // This file shares its process with the rest of the suite: what the six answers leave is measured, not the process's size.
  Bun.gc(true);
  const before = process.memoryUsage().rss;
  for (let i = 0; i < 6; i++) {
    const before = gemini.requests.length;
    const err = await apiError(gw.openai().embeddings.create({ model: 'ollama-then-gemini', input: HUGE }));
    expect(err.status).toBe(502);
    expect(gemini.requests.length).toBe(before);
    expect(await gw.waitForRow(err)).toMatchObject({ status: 502, provider: 'ollama', estimated: true });
  }
  // Six in a row (the threshold is five): Ollama still serves the next request.
  const ok = await gw.openai().embeddings.create({ model: 'ollama/nomic-embed-text', input: 'small', encoding_format: 'float' });
  expect(ok.data[0]!.embedding).toHaveLength(8);
  Bun.gc(true);
  expect(process.memoryUsage().rss - before).toBeLessThan(1024 ** 3);
}, 60_000);
