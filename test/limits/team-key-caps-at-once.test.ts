/**
 * Two keys of one team, one with a budget of its own, send 150 requests at once that name no
 * output cap (chat, streamed and not; Responses) or a Claude Code ceiling (/v1/messages, streamed
 * and not), through the official SDKs, to a fake OpenAI that writes every output token it is
 * allowed and counts the prompt at 2 bytes a token: each admitted request is cut to what the least
 * room of its key's and team's budgets holds, so neither budget is overspent, every request leaves
 * one row (by x-request-id), refusals are 429 budget_exceeded in each API's shape, and nothing
 * stays reserved.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { jsonResponse, sseResponse, type FakeHandler } from '../helpers/fake-upstream';
import { capOf } from './budget-output-cap';
import { limitedClient, makeTeam, startLimitsRig, type LimitsRig } from './limits-helpers';

setDefaultTimeout(60_000);

/** The worst an upstream does: every output token it may write (100,000 when sent no cap), a prompt token every 2 bytes. */
const writesEverything: FakeHandler = async (_req, rec) => {
  await Bun.sleep(Math.floor(Math.random() * 30)); // answers overlap and end in any order
  const body = rec.body as any;
  const prompt = Math.ceil(JSON.stringify(body).length / 2);
  const out = capOf(body) ?? 100_000;
  if (rec.path.endsWith('/responses')) {
    const usage = { input_tokens: prompt, input_tokens_details: { cached_tokens: 0 }, output_tokens: out, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: prompt + out };
    const message = { type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hi', annotations: [] }] };
    return jsonResponse({ id: `resp_${crypto.randomUUID()}`, object: 'response', created_at: 1, status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, model: 'gpt-4o-mini', output: [message], usage });
  }
  const usage = { prompt_tokens: prompt, completion_tokens: out, total_tokens: prompt + out, prompt_tokens_details: { cached_tokens: 0 } };
  const chunk = (delta: object, finish: string | null, extra = {}) => JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }], ...extra });
  if (body.stream) return sseResponse([chunk({ role: 'assistant', content: 'Hi' }, null), chunk({}, 'length'), JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [], usage }), '[DONE]']);
  return jsonResponse({ id: 'c1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'length' }], usage });
};

let rig: LimitsRig;
beforeAll(async () => {
  rig = await startLimitsRig();
  rig.fake.handler = writesEverything;
}, 30_000);
afterAll(() => rig.close());

const hello = [{ role: 'user' as const, content: 'Hello there, how are you?' }];

test("150 uncapped or ceiling-capped requests of two keys at once: neither the key's budget nor the team's is overspent by upstreams writing all they may", async () => {
  const teamBudget = 3;
  const keyBudget = 2;
  const team = await makeTeam(rig.gw, { name: 'caps-at-once', budgetUsd: teamBudget, budgetPeriod: 'day' });
  const own = await limitedClient(rig.gw, 'caps-own', { teamId: team, budgetUsd: keyBudget, budgetPeriod: 'day' });
  const other = await limitedClient(rig.gw, 'caps-other', { teamId: team });
  const model = 'lim-model';
  type Call = (o: OpenAI, a: Anthropic) => Promise<{ data: any; response: Response }>;
  const kinds: Call[] = [
    (o) => o.chat.completions.create({ model, stream: true, stream_options: { include_usage: true }, messages: hello }).withResponse(),
    (o) => o.chat.completions.create({ model, messages: hello }).withResponse(),
    (o) => o.responses.create({ model, input: 'Hello there' }).withResponse(),
    (_, a) => a.messages.create({ model, max_tokens: 32_000, stream: true, messages: hello }).withResponse(),
    (_, a) => a.messages.create({ model, max_tokens: 4_000, messages: hello }).withResponse(),
  ];
  const sdks = [own, other].map((k) => ({
    openai: new OpenAI({ apiKey: k.key, baseURL: `${rig.gw.url}/v1`, maxRetries: 0 }),
    anthropic: new Anthropic({ apiKey: k.key, baseURL: rig.gw.url, maxRetries: 0 }),
  }));
  const results = await Promise.allSettled(
    Array.from({ length: 150 }, async (_, i) => {
      const { openai, anthropic } = sdks[i % 2]!;
      const { data, response } = await kinds[i % kinds.length]!(openai, anthropic);
      if (typeof data?.[Symbol.asyncIterator] === 'function') for await (const _ of data);
      return response.headers.get('x-request-id')!;
    }),
  );
  const answered = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
  expect(answered.length).toBeGreaterThan(1);
  expect(refused.length).toBeGreaterThan(0);
  for (const err of refused) {
    if (err instanceof Anthropic.APIError) {
      expect(err).toBeInstanceOf(Anthropic.RateLimitError);
      expect((err.error as any).error).toMatchObject({ type: 'rate_limit_error', details: { error_code: 'budget_exceeded' } });
    } else {
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      expect([err.status, err.code, err.type]).toEqual([429, 'budget_exceeded', 'insufficient_quota']);
    }
  }
  const ids = [...answered, ...refused.map((e) => e.headers.get('x-request-id') as string)];
  expect(new Set(ids).size).toBe(150);
  const rows = await Promise.all(ids.map((id) => rig.gw.waitForRow(id)));
  for (const r of rows.filter((r) => answered.includes(r.requestId))) expect([r.status, r.costUsd > 0, r.teamId]).toEqual([200, true, team]);
  for (const r of rows.filter((r) => !answered.includes(r.requestId))) expect([r.status, r.errorType, r.costUsd]).toEqual([429, 'budget_exceeded', 0]);
  const spentOwn = rows.filter((r) => r.clientId === own.id).reduce((s, r) => s + r.costUsd, 0);
  const spentTeam = rows.reduce((s, r) => s + r.costUsd, 0);
  expect(spentOwn).toBeLessThanOrEqual(keyBudget);
  expect(spentTeam).toBeLessThanOrEqual(teamBudget);
  for (const scope of rig.gw.ctx.state.getSnapshot().clientsById!.get(own.id)!.limits!.scopes) {
    expect(rig.gw.ctx.limits.counters.outstanding(scope)).toEqual({ reservedUsd: 0, inFlight: 0 });
  }
});
