/**
 * Kimi's builtin web search under a budget. Each `$web_search` call an answer makes bills $0.005
 * beside the tokens (kimi-web-search.ts), and the next request, which sends the call's arguments
 * back, bills the search's content as prompt tokens that its body shows a few bytes of. Both are
 * reserved (limits/kimi-search-worst.ts): a key whose budget holds the tokens but not the searches
 * is refused before the call, not overspent. The official openai client over real HTTP against a
 * fake Kimi; rows found by x-request-id.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import type OpenAI from 'openai';
import { models } from '../../src/db/schema';
import { KIMI_WEB_SEARCH_USD } from '../../src/providers/moonshot/kimi-web-search';
import { KIMI_SEARCH_CONTENT_TOKENS, KIMI_SEARCHES_PER_ANSWER } from '../../src/limits/kimi-search-worst';
import { jsonResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv } from '../helpers/start-gateway';
import { limitedClient, startLimitsRig, type LimitsRig } from './limits-helpers';

setDefaultTimeout(30_000);

/** USD per 1M tokens each way: a token is a millionth of a dollar, far below a search's $0.005. */
const PRICE = 1;
const kimi = startFakeUpstream();
let rig: LimitsRig;
beforeAll(async () => {
  rig = await startLimitsRig({ env: providerEnv('moonshot', `${kimi.url}/v1`) });
  const now = Date.now();
  rig.gw.ctx.db.insert(models).values({ id: 'kimi-priced', provider: 'moonshot', upstreamId: 'kimi-k2.6', inputPrice: PRICE, outputPrice: PRICE, contextWindow: 262_144, updatedAt: now }).run();
  rig.gw.ctx.state.reload();
});
afterAll(async () => {
  await rig.close();
  kimi.close();
});

const tools = [{ type: 'builtin_function', function: { name: '$web_search' } }] as unknown as OpenAI.ChatCompletionTool[];
const ask = [{ role: 'user' as const, content: 'What is in the news today?' }];
const usage = { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 };
const args = (tokens: number) => JSON.stringify({ search_result: { search_id: '9f6c0e2a' }, usage: { total_tokens: tokens } });

/** Kimi's answer: a `$web_search` call (finish_reason tool_calls), or text. */
function answer(search: boolean, u = usage) {
  const message = search
    ? { role: 'assistant', content: '', tool_calls: [{ index: 0, id: 'tool_ws1', type: 'builtin_function', function: { name: '$web_search', arguments: args(4096) } }] }
    : { role: 'assistant', content: 'Today: ...' };
  return { id: 'chatcmpl-ws', object: 'chat.completion', created: 1760000000, model: 'kimi-k2.6', choices: [{ index: 0, message, finish_reason: search ? 'tool_calls' : 'stop' }], usage: u };
}

/** Far more than the tokens of these small requests at PRICE (a few hundred bytes, max_tokens 100: under $0.001), far less than a search. */
const BETWEEN = 0.003;

test('a budget that holds the tokens but not a search: the request offering $web_search is refused before the call; without the tool it runs', async () => {
  const c = await limitedClient(rig.gw, 'kimi-search-tight', { budgetUsd: BETWEEN, budgetPeriod: 'day' });
  const client = rig.gw.openai(c.key);
  kimi.handler = () => jsonResponse(answer(true));
  const sent = kimi.requests.length;
  const err = await apiError(client.chat.completions.create({ model: 'kimi-priced', messages: ask, tools, max_tokens: 100 }));
  expect([err.status, err.code]).toEqual([429, 'budget_exceeded']);
  expect(kimi.requests.length).toBe(sent);
  expect(await rig.gw.waitForRow(err)).toMatchObject({ status: 429, errorType: 'budget_exceeded', costUsd: 0 });
  // The same request without the search tool fits: only the search's fee was past the budget.
  kimi.handler = () => jsonResponse(answer(false));
  const { response } = await client.chat.completions.create({ model: 'kimi-priced', messages: ask, max_tokens: 100 }).withResponse();
  const row = await rig.gw.waitForRow(response);
  expect(row.costUsd).toBeCloseTo(150 * (PRICE / 1e6), 12);
  expect(row.costUsd).toBeLessThan(BETWEEN);
});

test('a budget that holds the searches an answer may make: admitted, the row bills the search, spend stays within the budget', async () => {
  const budget = BETWEEN + KIMI_SEARCHES_PER_ANSWER * KIMI_WEB_SEARCH_USD;
  const c = await limitedClient(rig.gw, 'kimi-search-room', { budgetUsd: budget, budgetPeriod: 'day' });
  kimi.handler = () => jsonResponse(answer(true));
  const { data, response } = await rig.gw.openai(c.key).chat.completions.create({ model: 'kimi-priced', messages: ask, tools, max_tokens: 100 }).withResponse();
  expect(data.choices[0]!.finish_reason).toBe('tool_calls');
  const row = await rig.gw.waitForRow(response);
  expect(row.costUsd).toBeCloseTo(150 * (PRICE / 1e6) + KIMI_WEB_SEARCH_USD, 12);
  expect(row.costUsd).toBeLessThanOrEqual(budget);
  // `n` answers may each search: two choices reserve twice the searches, past this budget now.
  const err = await apiError(rig.gw.openai(c.key).chat.completions.create({ model: 'kimi-priced', messages: ask, tools, max_tokens: 100, n: 2 }));
  expect([err.status, err.code]).toEqual([429, 'budget_exceeded']);
});

test("the next turn bills the search's content as prompt: reserved at the tokens its result states (at least KIMI_SEARCH_CONTENT_TOKENS)", async () => {
  // Room for KIMI_SEARCH_CONTENT_TOKENS of content and the rest, not for 40,000.
  const budget = (3 * KIMI_SEARCH_CONTENT_TOKENS * PRICE) / 1e6;
  const c = await limitedClient(rig.gw, 'kimi-search-content', { budgetUsd: budget, budgetPeriod: 'day' });
  const client = rig.gw.openai(c.key);
  const followUp = (tokens: number) =>
    [
      ...ask,
      { role: 'assistant', content: '', tool_calls: [{ id: 'tool_ws1', type: 'builtin_function', function: { name: '$web_search', arguments: args(tokens) } }] },
      { role: 'tool', tool_call_id: 'tool_ws1', content: args(tokens) },
    ] as unknown as OpenAI.ChatCompletionMessageParam[];
  const sent = kimi.requests.length;
  const err = await apiError(client.chat.completions.create({ model: 'kimi-priced', messages: followUp(40_000), max_tokens: 100 }));
  expect([err.status, err.code]).toEqual([429, 'budget_exceeded']);
  expect(kimi.requests.length).toBe(sent);
  // A result stating less is reserved at KIMI_SEARCH_CONTENT_TOKENS: fits; the row bills what Kimi counted.
  const read = { prompt_tokens: 4300, completion_tokens: 80, total_tokens: 4380 };
  kimi.handler = () => jsonResponse(answer(false, read));
  const { response } = await client.chat.completions.create({ model: 'kimi-priced', messages: followUp(4096), max_tokens: 100 }).withResponse();
  expect((await rig.gw.waitForRow(response)).costUsd).toBeCloseTo(4380 * (PRICE / 1e6), 12);
});
