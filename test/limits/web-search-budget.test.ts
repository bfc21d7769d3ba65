/**
 * OpenAI's Responses built-in tools bill beside the tokens. Web search: a budgeted key reserves the
 * searches a request may run (max_tool_calls, else DEFAULT_WEB_SEARCHES) and its row bills one fee
 * per `web_search_call` item of the answer, at the rate of the tool it used; file searches,
 * code interpreter containers and generated images likewise.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { models } from '../../src/db/schema';
import { DEFAULT_WEB_SEARCHES, SEARCH_CONTENT_TOKENS } from '../../src/limits/worst-case';
import { OPENAI_CONTAINER_USD, OPENAI_FILE_SEARCH_USD, OPENAI_WEB_SEARCH_PREVIEW_USD, OPENAI_WEB_SEARCH_USD } from '../../src/usage/openai-tool-prices';
import { fixtureJson, jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { limitedClient } from './limits-helpers';

setDefaultTimeout(30_000);

/** $1 per 1M tokens each way. */
const PRICE = 1;
let answer: any;
const fake = startFakeUpstream(() => jsonResponse(answer));
let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ env: providerEnv('openai', `${fake.url}/v1`), limitsClock: () => Date.parse('2026-03-10T12:00:00Z') });
  const now = Date.now();
  gw.ctx.db.insert(models).values({ id: 'search-model', provider: 'openai', upstreamId: 'gpt-4.1', inputPrice: PRICE, outputPrice: PRICE, updatedAt: now }).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  fake.close();
});

/** OpenAI's answer after `searches` web searches with this tool, on a model with or without reasoning. */
function searchAnswer(searches: number, tool: string, effort: string | null): any {
  const base = fixtureJson('responses', 'openai-response.json');
  const calls = Array.from({ length: searches }, (_, i) => ({ id: `ws_${i}`, type: 'web_search_call', status: 'completed', action: { type: 'search', query: `weather ${i}` } }));
  return {
    ...base,
    output: [...calls, base.output[1]],
    tools: [{ type: tool, search_context_size: 'medium', user_location: null }],
    reasoning: { effort, summary: null },
    usage: { input_tokens: 1000, input_tokens_details: { cached_tokens: 0 }, output_tokens: 100, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 1100 },
  };
}

const tokensUsd = (1000 + 100) * (PRICE / 1e6);

test('the row bills each web_search_call at the rate of the tool: preview on a model without reasoning $25/1k, else $10/1k', async () => {
  const c = await limitedClient(gw, 'search-settle', { budgetUsd: 5, budgetPeriod: 'day' });
  const openai = gw.openai(c.key);
  answer = searchAnswer(3, 'web_search_preview', null);
  const preview = await openai.responses.create({ model: 'search-model', input: 'Weather?', tools: [{ type: 'web_search_preview' }], max_output_tokens: 200 }).withResponse();
  expect((await gw.waitForRow(preview.response)).costUsd).toBeCloseTo(tokensUsd + 3 * OPENAI_WEB_SEARCH_PREVIEW_USD, 9);

  answer = searchAnswer(2, 'web_search', 'low');
  const ga = await openai.responses.create({ model: 'search-model', input: 'Weather?', tools: [{ type: 'web_search' }], max_output_tokens: 200 }).withResponse();
  expect((await gw.waitForRow(ga.response)).costUsd).toBeCloseTo(tokensUsd + 2 * OPENAI_WEB_SEARCH_USD, 9);

  answer = searchAnswer(0, 'web_search', null);
  const none = await openai.responses.create({ model: 'search-model', input: 'Weather?', tools: [{ type: 'web_search' }], max_output_tokens: 200 }).withResponse();
  expect((await gw.waitForRow(none.response)).costUsd).toBeCloseTo(tokensUsd, 9);
});

test('a budget that fits the tokens but not the searches refuses the request; max_tool_calls lowers the reservation', async () => {
  const perSearch = OPENAI_WEB_SEARCH_PREVIEW_USD + SEARCH_CONTENT_TOKENS * (PRICE / 1e6);
  // Room for the tokens and 5 searches, not for DEFAULT_WEB_SEARCHES of them.
  const c = await limitedClient(gw, 'search-budget', { budgetUsd: 5.5 * perSearch, budgetPeriod: 'day' });
  const openai = gw.openai(c.key);
  answer = searchAnswer(1, 'web_search', null);
  const ask = (extra: Record<string, unknown>) => openai.responses.create({ model: 'search-model', input: 'Weather?', tools: [{ type: 'web_search' }], max_output_tokens: 200, ...extra } as any);
  expect(DEFAULT_WEB_SEARCHES).toBeGreaterThan(5);
  const err = await apiError(ask({}));
  expect([err.status, err.code]).toEqual([429, 'budget_exceeded']);
  // Without the search tool, or with at most 5 tool calls, it fits.
  answer = searchAnswer(0, 'web_search', null);
  await openai.responses.create({ model: 'search-model', input: 'Weather?', max_output_tokens: 200 });
  answer = searchAnswer(1, 'web_search', null);
  const { response } = await (ask({ max_tool_calls: 5 }) as any).withResponse();
  expect((await gw.waitForRow(response)).costUsd).toBeCloseTo(tokensUsd + OPENAI_WEB_SEARCH_USD, 9);
});

test('file searches, code interpreter containers and generated images are billed from the answer\'s items', async () => {
  const c = await limitedClient(gw, 'tool-fees', { budgetUsd: 50, budgetPeriod: 'day' });
  const base = searchAnswer(0, 'file_search', null);
  answer = {
    ...base,
    tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }, { type: 'code_interpreter', container: { type: 'auto' } }, { type: 'image_generation', quality: 'low', size: '1024x1024' }],
    output: [
      { id: 'fs_1', type: 'file_search_call', status: 'completed', queries: ['q'], results: null },
      { id: 'fs_2', type: 'file_search_call', status: 'completed', queries: ['r'], results: null },
      { id: 'ci_1', type: 'code_interpreter_call', status: 'completed', code: 'print(1)', container_id: 'cntr_1', outputs: null },
      { id: 'ci_2', type: 'code_interpreter_call', status: 'completed', code: 'print(2)', container_id: 'cntr_1', outputs: null },
      { id: 'ig_1', type: 'image_generation_call', status: 'completed', result: 'iVBORw0KGgo=', revised_prompt: 'a cat' },
      base.output.at(-1),
    ],
  };
  const { response } = await gw.openai(c.key).responses.create({ model: 'search-model', input: 'Go', tools: answer.tools, max_output_tokens: 200, max_tool_calls: 5 } as any).withResponse();
  // Two file searches, one container, one low square gpt-image-1 image (272 tokens at $40 per 1M).
  const fees = 2 * OPENAI_FILE_SEARCH_USD + OPENAI_CONTAINER_USD + (272 * 40) / 1e6;
  expect((await gw.waitForRow(response)).costUsd).toBeCloseTo(tokensUsd + fees, 9);
});

test("an image_generation tool whose quality or model is named like an Object property ('constructor') is reserved at the dearest image, not NaN", async () => {
  // One dearest image (high quality, not square: 6,240 tokens at gpt-image-1's $40 per 1M) is $0.25: past this budget.
  const c = await limitedClient(gw, 'image-tool-proto', { budgetUsd: 0.05, budgetPeriod: 'day' });
  const sent = fake.requests.length;
  const ask = (tool: Record<string, unknown>) =>
    apiError(gw.openai(c.key).responses.create({ model: 'search-model', input: 'Draw', tools: [{ type: 'image_generation', ...tool }], max_output_tokens: 200, max_tool_calls: 1 } as any));
  for (const tool of [{ quality: 'constructor' }, { model: 'toString' }]) {
    const err = await ask(tool);
    expect([err.status, err.code]).toEqual([429, 'budget_exceeded']);
  }
  expect(fake.requests.length).toBe(sent);
});
