/**
 * The set-up the xAI-native /v1/responses files share. xAI models on /v1/responses go to xAI's own
 * Responses API (POST /v1/responses, GET|DELETE /v1/responses/{id}), passed through as OpenAI's
 * are: this starts a fake xAI replaying xAI's Responses wire shapes (test/fixtures/grok/
 * responses-web-search.*: two web searches, its usage with cost_in_usd_ticks and
 * server_side_tool_usage_details), a fake DeepSeek, a fake OpenAI, and the real gateway with a
 * priced Grok model and groups mixing them.
 */
import { afterAll, beforeAll, beforeEach, expect, setDefaultTimeout } from 'bun:test';
import { modelGroups, models } from '../../src/db/schema';
import { XAI_TOOL_CALL_USD, XAI_USD_PER_TICK } from '../../src/usage/grok-usage';
import { fixtureText, jsonResponse, rawJsonResponse, readChunks, sseEventsResponse, sseResponse, startFakeUpstream, type RecordedRequest } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

export const ANSWER = fixtureText('grok', 'responses-web-search.json');
export const EVENTS = fixtureText('grok', 'responses-web-search.events.txt').trim().split('\n');
export const ID = JSON.parse(ANSWER).id as string;
export const USAGE = JSON.parse(ANSWER).usage;

/** Starts the fakes and the gateway, resets the fakes before each test; `ready` gets the gateway once it listens. */
export function useXaiRig(ready: (gw: TestGateway) => void) {
  setDefaultTimeout(30_000);
  /** `create`: what the fake xAI answers to POST /v1/responses (the recorded answer unless set). */
  const answer: { create: ((r: RecordedRequest) => Response) | null } = { create: null };
  /** The ids xAI holds (a delete forgets one). */
  const held = new Set<string>();
  const xai = startFakeUpstream((_req, r) => {
    const stored = r.path.match(/^\/v1\/responses\/([^/]+)$/)?.[1];
    if (stored) {
      const id = decodeURIComponent(stored);
      if (!held.has(id)) return jsonResponse({ code: 'Client specified an invalid argument', error: `Response ${id} not found` }, 404);
      if (r.method === 'DELETE') {
        held.delete(id);
        return jsonResponse({ id, object: 'response', deleted: true });
      }
      return rawJsonResponse(ANSWER);
    }
    if (r.method !== 'POST' || r.path !== '/v1/responses') return jsonResponse({ error: `unexpected ${r.method} ${r.path}` }, 500);
    held.add(ID);
    if (answer.create) return answer.create(r);
    return r.body.stream ? sseEventsResponse(EVENTS.map((data) => ({ event: JSON.parse(data).type, data }))) : rawJsonResponse(ANSWER);
  });
  const deepseek = startFakeUpstream((_req, r) => (r.body?.stream ? sseResponse(readChunks('deepseek', 'text.chunks.txt')) : rawJsonResponse(fixtureText('deepseek', 'chat.json'))));
  const openai = startFakeUpstream((_req, r) => {
    const foreign = (r.body?.tools ?? []).findIndex((t: any) => !OPENAI_TOOL_TYPES.includes(t?.type));
    if (foreign >= 0) return jsonResponse({ error: { message: `Invalid value: '${r.body.tools[foreign].type}'.`, type: 'invalid_request_error', param: `tools[${foreign}].type`, code: 'invalid_value' } }, 400);
    return rawJsonResponse(fixtureText('responses', 'openai-response.json'));
  });

  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ env: { ...providerEnv('grok', `${xai.url}/v1`), ...providerEnv('deepseek', deepseek.url), ...providerEnv('openai', `${openai.url}/v1`) } });
    const now = Date.now();
    // grok-4-fast-non-reasoning's prices (xAI's pricing page: 0.20 in, 0.05 cached, 0.50 out).
    gw.ctx.db.insert(models).values([
      { id: 'grok-fast', provider: 'grok', upstreamId: 'grok-4-fast-non-reasoning', inputPrice: 0.2, cachedInputPrice: 0.05, outputPrice: 0.5, contextWindow: 2_000_000, updatedAt: now },
    ]).run();
    gw.ctx.db.insert(modelGroups).values([
      { name: 'xai-then-deepseek', strategy: 'heuristic', targets: ['grok-fast', 'deepseek-chat'], updatedAt: now },
      // No rules: OpenAI first whatever the request (the default rules move a request with tools to the second target).
      { name: 'openai-then-xai', strategy: 'heuristic', targets: ['gpt-5-mini', 'grok-fast'], settings: { rules: [] }, updatedAt: now },
      { name: 'xai-then-openai', strategy: 'heuristic', targets: ['grok-fast', 'gpt-5-mini'], settings: { rules: [] }, updatedAt: now },
    ]).run();
    gw.ctx.state.reload();
    ready(gw);
  });
  afterAll(async () => {
    await gw.close();
    xai.close();
    deepseek.close();
    openai.close();
  });
  beforeEach(() => {
    answer.create = null;
    xai.requests.length = 0;
    deepseek.requests.length = 0;
    openai.requests.length = 0;
    gw.ctx.breakers.reset();
  });
  return { xai, deepseek, openai, held, answer };
}

/** The fake OpenAI's tool types: it answers 400 for any other (as OpenAI answers `x_search`). */
const OPENAI_TOOL_TYPES = ['function', 'web_search', 'web_search_preview', 'file_search', 'code_interpreter', 'image_generation', 'mcp'];

/** The price table's figure for the recorded usage: uncached, cached and output tokens, and two web searches. */
const COMPUTED = ((4144 - 1920) * 0.2 + 1920 * 0.05 + 49 * 0.5) / 1e6 + 2 * XAI_TOOL_CALL_USD.web_search!;
/** xAI's own figure for the recorded usage (what the row's cost is). */
export const REPORTED = USAGE.cost_in_usd_ticks * XAI_USD_PER_TICK;

/** The row of the recorded answer: its tokens, xAI's cost, and the price table's as computed_cost_usd. */
export function expectBilled(row: any) {
  expect(row.endpoint).toBe('responses');
  expect(row.provider).toBe('grok');
  expect([row.promptTokens, row.cachedTokens, row.completionTokens, row.reasoningTokens]).toEqual([4144, 1920, 49, 0]);
  expect(row.costUsd).toBe(REPORTED);
  expect(row.providerCostUsd).toBe(REPORTED);
  expect(row.computedCostUsd).toBeCloseTo(COMPUTED, 12);
  expect(row.computedCostUsd).not.toBeCloseTo(REPORTED, 6);
}
