/**
 * xAI says in every answer's usage what it billed (`cost_in_usd_ticks`, 1e10 ticks to the dollar:
 * tokens and server-side tool calls, after its discounts), and counts its server-side tool calls
 * (`server_side_tool_usage_details`). Through the real gateway, with the official openai client
 * against a fake xAI replaying those fields, the log row (by the answer's x-request-id) is checked:
 * - cost_usd is xAI's figure, provider_cost_usd the same, computed_cost_usd the price table's
 *   (tokens plus each tool call at xAI's per-call price), streamed (running totals on every chunk:
 *   the last is the bill) and not;
 * - without a usable tick count, cost_usd is the price table's figure, tool fees included;
 * - a budgeted key's spend is xAI's figure.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { models } from '../../src/db/schema';
import { ADMIN_PASSWORD, api, apiLogRow, json, login } from '../helpers/admin-harness';
import { jsonResponse, sseEventsResponse, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { limitedClient } from '../limits/limits-helpers';
import { chunks, fixture } from './load-fixture';

setDefaultTimeout(30_000);

const M = 1e6;
/** How the fake xAI changes its recorded usage for the next requests (the recorded one when unset). */
let usageEdit: ((usage: Record<string, any>) => Record<string, any>) | undefined;
const grokFake = startFakeUpstream((_req, recorded) => {
  const edit = usageEdit ?? ((u) => u);
  if (recorded.path.endsWith('/responses')) return responsesAnswer(edit, recorded.body.stream === true);
  if (!recorded.body.stream) {
    const answer = fixture('grok-4-1-fast-tools.json');
    return jsonResponse({ ...answer, usage: edit(answer.usage) });
  }
  return sseResponse(chunks('grok-4-1-fast-tools.chunks.txt').map((c) => JSON.stringify(c.usage ? { ...c, usage: edit(c.usage) } : c)));
});

/**
 * The same answer from xAI's own Responses API (where /v1/responses goes for Grok models): its usage
 * spells the counts input_tokens / output_tokens, reasoning inside the output (80 + 300), with the
 * same tool counters and cost. Streamed: response.created, then response.completed with the usage.
 */
function responsesAnswer(edit: (u: Record<string, any>) => Record<string, any>, stream: boolean): Response {
  const chat = fixture('grok-4-1-fast-tools.json');
  const { prompt_tokens_details, completion_tokens_details, prompt_tokens: _p, completion_tokens: _c, ...xaiFields } = chat.usage;
  const usage = {
    ...xaiFields,
    input_tokens: 1200, input_tokens_details: { cached_tokens: prompt_tokens_details.cached_tokens },
    output_tokens: 380, output_tokens_details: { reasoning_tokens: completion_tokens_details.reasoning_tokens },
  };
  const text = chat.choices[0].message.content;
  const response = {
    id: chat.id, object: 'response', created_at: chat.created, model: chat.model, status: 'completed',
    output: [{ id: `msg_${chat.id}`, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] }],
    usage: edit(usage),
  };
  if (!stream) return jsonResponse(response);
  const created = { type: 'response.created', sequence_number: 0, response: { ...response, status: 'in_progress', output: [], usage: null } };
  const completed = { type: 'response.completed', sequence_number: 1, response };
  return sseEventsResponse([created, completed].map((e) => ({ event: e.type, data: JSON.stringify(e) })));
}

let gw: TestGateway;
beforeAll(async () => {
  // The real log writer: the rows are read back from the database, each column as stored.
  gw = await startGateway({ env: providerEnv('grok', `${grokFake.url}/v1`), storeLogs: true });
  // grok-4-1-fast-reasoning's prices (xAI's pricing page: 0.20 in, 0.05 cached, 0.50 out).
  gw.ctx.db.insert(models).values([
    { id: 'xai-fast', provider: 'grok', upstreamId: 'grok-4-1-fast-reasoning', inputPrice: 0.2, cachedInputPrice: 0.05, outputPrice: 0.5, contextWindow: 2_000_000, updatedAt: Date.now() },
  ]).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  grokFake.close();
});

/** The stored log row of the request that got this answer (by its x-request-id), once the log writer committed it. */
async function storedRow(response: Response): Promise<Record<string, any>> {
  const requestId = response.headers.get('x-request-id')!;
  for (let i = 0; i < 400; i++) {
    const [row] = await gw.ctx.store.all<Record<string, any>>('SELECT * FROM request_logs WHERE request_id = ?', [requestId]);
    if (row) return row;
    await Bun.sleep(25);
  }
  throw new Error(`no log row of request ${requestId}`);
}

const messages = [{ role: 'user' as const, content: 'Did the launch move?' }];
/** The fixture's tokens: 688 uncached + 512 cached prompt tokens, 80 completion + 300 reasoning (billed as output). */
const TOKENS_USD = (688 * 0.2 + 512 * 0.05 + 380 * 0.5) / M;
/** Its tool calls: 2 web searches and 1 X search at $5 per 1,000; the MCP call bills only its tokens. */
const TOOLS_USD = 3 * 0.005;
/** What xAI says it billed: 152,876,000 ticks. */
const XAI_USD = 152_876_000 / 1e10;

test('non-streamed: cost_usd is what xAI says it billed, beside the price table\'s figure with the tool calls', async () => {
  usageEdit = undefined;
  const { data, response } = await gw.openai().chat.completions.create({ model: 'xai-fast', messages }).withResponse();
  expect(data.choices[0]!.message.content).toContain('Friday');
  const row = await storedRow(response);
  expect(row.cost_usd).toBeCloseTo(XAI_USD, 12);
  expect(row.provider_cost_usd).toBeCloseTo(XAI_USD, 12);
  expect(row.computed_cost_usd).toBeCloseTo(TOKENS_USD + TOOLS_USD, 12);
  expect([row.prompt_tokens, row.cached_tokens, row.completion_tokens, row.reasoning_tokens]).toEqual([1200, 512, 380, 300]);
  expect(row.cost_unknown).toBe(0);
});

test('streamed: every chunk carries the running cost; the row bills the last, not the first or their sum', async () => {
  usageEdit = undefined;
  const stream = await gw.openai().chat.completions.create({ model: 'xai-fast', messages, stream: true, stream_options: { include_usage: true } }).withResponse();
  let text = '';
  for await (const c of stream.data) text += c.choices[0]?.delta?.content ?? '';
  expect(text).toBe('Two sources agree: the launch moved to Friday.');
  const row = await storedRow(stream.response);
  expect(row.stream).toBe(1);
  expect(row.cost_usd).toBeCloseTo(XAI_USD, 12);
  expect(row.provider_cost_usd).toBeCloseTo(XAI_USD, 12);
  expect(row.computed_cost_usd).toBeCloseTo(TOKENS_USD + TOOLS_USD, 12);
});

test("/v1/responses passed through to xAI's own Responses API: the row bills xAI's figure too, streamed and not", async () => {
  usageEdit = undefined;
  const { response } = await gw.openai().responses.create({ model: 'xai-fast', input: 'Did the launch move?' }).withResponse();
  const streamed = await gw.openai().responses.create({ model: 'xai-fast', input: 'Did the launch move?', stream: true }).withResponse();
  for await (const _ of streamed.data);
  expect(grokFake.requests.slice(-2).map((r) => r.path)).toEqual(['/v1/responses', '/v1/responses']);
  for (const r of [response, streamed.response]) {
    const row = await storedRow(r);
    expect(row.endpoint).toBe('responses');
    expect([row.prompt_tokens, row.cached_tokens, row.completion_tokens, row.reasoning_tokens]).toEqual([1200, 512, 380, 300]);
    expect(row.cost_usd).toBeCloseTo(XAI_USD, 12);
    expect(row.provider_cost_usd).toBeCloseTo(XAI_USD, 12);
    expect(row.computed_cost_usd).toBeCloseTo(TOKENS_USD + TOOLS_USD, 12);
  }
});

test('without cost_in_usd_ticks (or with one that is not a count, or one past any whole count: 1e300) the row bills the price table: tokens plus the tool calls', async () => {
  for (const ticks of [undefined, '152876000', -5, 'NaN', 1e300, Number.MAX_SAFE_INTEGER + 2]) {
    usageEdit = (u) => ({ ...u, cost_in_usd_ticks: ticks });
    for (const stream of [false, true]) {
      const { response } = stream
        ? await gw.openai().chat.completions.create({ model: 'xai-fast', messages, stream: true, stream_options: { include_usage: true } }).withResponse()
        : await gw.openai().chat.completions.create({ model: 'xai-fast', messages }).withResponse();
      if (stream) await response.text();
      const row = await storedRow(response);
      expect({ ticks, stream, cost: row.cost_usd }).toEqual({ ticks, stream, cost: expect.closeTo(TOKENS_USD + TOOLS_USD, 12) });
      expect(row.provider_cost_usd).toBeNull();
      expect(row.computed_cost_usd).toBeCloseTo(TOKENS_USD + TOOLS_USD, 12);
    }
  }
  usageEdit = undefined;
});

test('a budgeted key is charged xAI\'s figure, and GET /api/logs shows both costs', async () => {
  usageEdit = undefined;
  const c = await limitedClient(gw, 'xai-budget', { budgetUsd: 5, budgetPeriod: 'day' });
  const { response } = await gw.openai(c.key).chat.completions.create({ model: 'xai-fast', messages }).withResponse();
  const requestId = response.headers.get('x-request-id')!;
  await storedRow(response);
  const admin = await login(gw, 'admin', ADMIN_PASSWORD);
  expect(await apiLogRow(gw, admin, requestId)).toMatchObject({ cost_usd: expect.closeTo(XAI_USD, 9), provider_cost_usd: expect.closeTo(XAI_USD, 9), computed_cost_usd: expect.closeTo(TOKENS_USD + TOOLS_USD, 9) });
  const view = await json(await api(gw, 'GET', `/api/clients/${c.id}`, { as: admin }));
  expect(view.spend_usd).toBeCloseTo(XAI_USD, 9);
});
