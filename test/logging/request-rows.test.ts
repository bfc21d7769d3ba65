/**
 * Every endpoint's one log row comes from one record step (proxy/request-outcome.ts) fed by what
 * each step returned: these pin the rows of failures outside chat, where the walk's result
 * (the target tried last, its attempts) is what names the provider.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';

let status = 200;
const openai = startFakeUpstream(() => jsonResponse({ error: { message: 'upstream is down', type: 'server_error' } }, status));
let gw: TestGateway;
let client: OpenAI;

useGateway(
  (g) => {
    gw = g;
    client = g.openai();
  },
  { env: providerEnv('openai', `${openai.url}/v1`, { LLM_PROXY__PROVIDERS__OPENAI__API_KEY: 'sk-test-openai' }) },
);
afterAll(() => openai.close());

describe('one row per request on endpoints other than chat', () => {
  test('embeddings: an upstream 500 is one row naming the provider tried, with no tokens billed', async () => {
    status = 500;
    const before = openai.requests.length;
    const err = await apiError(client.embeddings.create({ model: 'openai/text-embedding-3-small', input: 'hello' }));
    expect(err.status).toBe(502);
    expect(openai.requests.length).toBe(before + 1);
    const row = await gw.waitForRow(err);
    expect(row).toMatchObject({
      endpoint: 'embeddings', provider: 'openai', model: 'text-embedding-3-small', modelRequested: 'openai/text-embedding-3-small', status: 502,
      promptTokens: 0, completionTokens: 0, estimated: false, costUsd: 0, clientId: gw.clientId,
    });
    expect(row.error).toContain('upstream is down');
  });

  test('images: an open circuit answers 503 without a call, and the row names the target it skipped', async () => {
    for (let i = 0; i < 50 && gw.ctx.breakers.allow('openai', 'dall-e-3'); i++) gw.ctx.breakers.onFailure('openai', 'dall-e-3');
    expect(gw.ctx.breakers.allow('openai', 'dall-e-3')).toBe(false);
    const before = openai.requests.length;
    const err = await apiError(client.images.generate({ model: 'dall-e-3', prompt: 'a red fox' }));
    expect(err.status).toBe(503);
    expect((err.error as any).code).toBe('circuit_open');
    expect(openai.requests.length).toBe(before);
    const row = await gw.waitForRow(err);
    expect(row).toMatchObject({ endpoint: 'images', provider: 'openai', model: 'dall-e-3', status: 503, errorType: 'circuit_open', images: 0, costUsd: 0 });
  });
});
