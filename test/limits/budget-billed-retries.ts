/**
 * A try the provider bills that fails (a stream broken off after its usage chunk, or ending in an
 * error event after it: a 5xx once the prompt was processed), then the group's next target: the
 * walk goes on only once the key's reservation holds the billed try and the next one too
 * (LimitCounters.coverTry). Shared by the SQLite/memory counters test and the Redis one.
 */
import { expect, test } from 'bun:test';
import type { TCPSocketListener } from 'bun';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { modelGroups, models } from '../../src/db/schema';
import { sseResponse } from '../helpers/fake-upstream';
import { providerEnv } from '../helpers/start-gateway';
import { limitedClient, makeTeam, PRICE, startLimitsRig, type LimitsRig } from './limits-helpers';

/** Prompt tokens both upstreams report: $2 at PRICE, less than the prompt's worst case (a token a byte). */
const PROMPT_TOKENS = 2000;
const TOKEN_USD = PRICE / 1e6;
/** The cut try's bill, and the answer's (10 output tokens). */
const CUT_USD = PROMPT_TOKENS * TOKEN_USD;
const ANSWER_USD = (PROMPT_TOKENS + 10) * TOKEN_USD;
/** 2,000 characters: the body's ~2,100 bytes reserve ~$2.1 a try. */
const LONG = 'x'.repeat(2000);

export interface BilledRetryRig {
  rig: LimitsRig;
  /** Calls the failing upstream (DeepSeek) got. */
  failCalls(): number;
  close(): Promise<void>;
}

type FailMode = 'cut' | 'error';

/**
 * The limits rig with a DeepSeek upstream that reports the prompt's usage, then either drops the
 * connection (`cut`) or sends an error event (`error`), before any text: a raw socket, so the usage
 * surely goes out before the end. Groups: bill-cut-first and bill-error-first (that DeepSeek model,
 * then the rig's OpenAI model, which answers with the same prompt usage).
 */
export async function startBilledRetryRig(env: Record<string, string> = {}): Promise<BilledRetryRig> {
  let calls = 0;
  const usage = { id: 'chatcmpl-u', object: 'chat.completion.chunk', created: 1, model: 'deepseek-chat', choices: [], usage: { prompt_tokens: PROMPT_TOKENS, completion_tokens: 0, total_tokens: PROMPT_TOKENS } };
  const failing = (mode: FailMode): TCPSocketListener<undefined> =>
    Bun.listen({
      hostname: '127.0.0.1',
      port: 0,
      socket: {
        data(socket) {
          calls++;
          const error = mode === 'error' ? `data: ${JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error', code: 'server_error' } })}\n\n` : '';
          socket.write(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\ndata: ${JSON.stringify(usage)}\n\n${error}`);
          socket.end();
        },
      },
    });
  const cut = failing('cut');
  const erring = failing('error');
  const rig = await startLimitsRig({ env: { ...providerEnv('deepseek', `http://127.0.0.1:${cut.port}/v1`), ...providerEnv('moonshot', `http://127.0.0.1:${erring.port}/v1`), ...env } });
  const now = Date.now();
  rig.gw.ctx.db.insert(models).values([
    { id: 'bill-cut', provider: 'deepseek', upstreamId: 'deepseek-chat', inputPrice: PRICE, outputPrice: PRICE, updatedAt: now },
    { id: 'bill-error', provider: 'moonshot', upstreamId: 'kimi-k2-0905-preview', inputPrice: PRICE, outputPrice: PRICE, updatedAt: now },
  ]).run();
  rig.gw.ctx.db.insert(modelGroups).values([
    { name: 'bill-cut-first', strategy: 'heuristic', targets: ['bill-cut', 'lim-model'], updatedAt: now },
    { name: 'bill-error-first', strategy: 'heuristic', targets: ['bill-error', 'lim-model'], updatedAt: now },
  ]).run();
  rig.gw.ctx.state.reload();
  rig.fake.handler = answering;
  return {
    rig,
    failCalls: () => calls,
    close: async () => {
      await rig.close();
      cut.stop(true);
      erring.stop(true);
    },
  };
}

/** The OpenAI upstream's stream: a short answer billed the same prompt usage, and 10 output tokens. */
function answering(): Response {
  const head = { id: 'chatcmpl-ok', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini' };
  return sseResponse([
    JSON.stringify({ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: 'Hello there' }, finish_reason: null }] }),
    JSON.stringify({ ...head, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
    JSON.stringify({ ...head, choices: [], usage: { prompt_tokens: PROMPT_TOKENS, completion_tokens: 10, total_tokens: PROMPT_TOKENS + 10 } }),
    '[DONE]',
  ]);
}

const body = (model: string) => ({ model, max_tokens: 10, stream: true as const, messages: [{ role: 'user' as const, content: LONG }] });

async function drain(s: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of s);
}

export function billedRetryCases(get: () => BilledRetryRig): void {
  const scopeOf = (id: number) => get().rig.gw.ctx.state.getSnapshot().clientsById!.get(id)!.limits!.scopes[0]!;
  const spendOf = async (id: number) => (await get().rig.gw.ctx.limits.counters.spend(scopeOf(id), get().rig.clock.now))!;

  for (const [mode, group] of [['cut', 'bill-cut-first'], ['error', 'bill-error-first']] as const) {
    test(`${mode}: a billed try, and a budget without room for another: the walk ends with that failure, within the budget`, async () => {
      const { rig } = get();
      const c = await limitedClient(rig.gw, `billed-${mode}-tight`, { budgetUsd: 3, budgetPeriod: 'total' });
      const before = rig.fake.requests.length;
      const fails = get().failCalls();
      const err = (await rig.gw.openai(c.key).chat.completions.create(body(group)).then(() => null, (e) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect(err.status).toBe(502);
      expect(get().failCalls()).toBe(fails + 1);
      // The next target was never called: it would have billed ~$2 more than the $3 budget holds.
      expect(rig.fake.requests.length).toBe(before);
      const row = await rig.gw.waitForRow(err.headers!.get('x-request-id')!);
      const attempts = JSON.parse(row.attempts!);
      expect(attempts.map((a: any) => [a.model, a.status])).toEqual([[mode === 'cut' ? 'deepseek-chat' : 'kimi-k2-0905-preview', 502], ['gpt-4o-mini', 429]]);
      expect(attempts[1].error).toContain('budget_exceeded');
      expect(attempts[0].billed.cost_usd).toBeCloseTo(CUT_USD, 9);
      expect(row.costUsd).toBeCloseTo(CUT_USD, 9);
      expect(await spendOf(c.id)).toBeCloseTo(row.costUsd, 9);
      expect(await spendOf(c.id)).toBeLessThanOrEqual(3);
      expect(await rig.gw.ctx.limits.counters.outstanding(scopeOf(c.id))).toEqual({ reservedUsd: 0, inFlight: 0 });
    });
  }

  test('the SDK retrying that 502 is refused by the budget (429 budget_exceeded), and nothing past it is spent', async () => {
    const { rig } = get();
    const c = await limitedClient(rig.gw, 'billed-sdk-retry', { budgetUsd: 3, budgetPeriod: 'total' });
    const before = rig.fake.requests.length;
    const openai = new OpenAI({ apiKey: c.key, baseURL: `${rig.gw.url}/v1`, maxRetries: 1 });
    const err = (await openai.chat.completions.create(body('bill-cut-first')).then(() => null, (e) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(429);
    expect((err.error as any).code).toBe('budget_exceeded');
    expect(rig.fake.requests.length).toBe(before);
    expect(await spendOf(c.id)).toBeCloseTo(CUT_USD, 9);
  });

  test('room for another try: the reservation grows by one, the next target answers, the row adds both up; a request of the key meanwhile finds the room held', async () => {
    const { rig } = get();
    // Two tries' worst cases (~$4.2) fit $5; a third (another request's) does not.
    const c = await limitedClient(rig.gw, 'billed-room', { budgetUsd: 5, budgetPeriod: 'total' });
    let reached!: () => void;
    const atAnswer = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    rig.fake.handler = async () => {
      reached();
      await released;
      return answering();
    };
    const client = rig.gw.openai(c.key);
    const first = client.chat.completions.create(body('bill-cut-first')).withResponse();
    try {
      await atAnswer;
      // The first request's second try is under way, its reservation two tries' worth.
      expect((await rig.gw.ctx.limits.counters.outstanding(scopeOf(c.id))).reservedUsd).toBeGreaterThan(2 * CUT_USD);
      rig.fake.handler = answering;
      const other = (await client.chat.completions.create(body('lim-model')).then(() => null, (e) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(other?.status).toBe(429);
      expect((other.error as any).code).toBe('budget_exceeded');
    } finally {
      rig.fake.handler = answering;
      release();
    }
    const { data, response } = await first;
    await drain(data);
    const row = await rig.gw.waitForRow(response);
    expect(row.model).toBe('lim-model');
    const attempts = JSON.parse(row.attempts!);
    expect(attempts.map((a: any) => a.status)).toEqual([502, 200]);
    expect(row.costUsd).toBeCloseTo(attempts[0].billed.cost_usd + ANSWER_USD, 9);
    expect(row.costUsd).toBeCloseTo(CUT_USD + ANSWER_USD, 9);
    expect(await spendOf(c.id)).toBeCloseTo(row.costUsd, 9);
    expect(await spendOf(c.id)).toBeLessThanOrEqual(5);
    expect(await rig.gw.ctx.limits.counters.outstanding(scopeOf(c.id))).toEqual({ reservedUsd: 0, inFlight: 0 });
  });

  test('a team budget holds the extra try too: its key without a budget of its own stops at the billed failure', async () => {
    const { rig } = get();
    const team = await makeTeam(rig.gw, { name: `billed-team-${crypto.randomUUID().slice(0, 6)}`, budgetUsd: 3, budgetPeriod: 'total' });
    const c = await limitedClient(rig.gw, 'billed-team-key', { teamId: team });
    const before = rig.fake.requests.length;
    const err = (await rig.gw.openai(c.key).chat.completions.create(body('bill-cut-first')).then(() => null, (e) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(502);
    expect(rig.fake.requests.length).toBe(before);
    const teamScope = rig.gw.ctx.state.getSnapshot().teams!.get(team)!.scope;
    const row = await rig.gw.waitForRow(err.headers!.get('x-request-id')!);
    expect(row.costUsd).toBeCloseTo(CUT_USD, 9);
    expect(await rig.gw.ctx.limits.counters.spend(teamScope, rig.clock.now)).toBeCloseTo(CUT_USD, 9);
  });

  test('/v1/messages: the walk stopped by the budget ends in Anthropic\'s error shape, one row within the budget', async () => {
    const { rig } = get();
    const c = await limitedClient(rig.gw, 'billed-messages', { budgetUsd: 3, budgetPeriod: 'total' });
    const before = rig.fake.requests.length;
    const anthropic = new Anthropic({ apiKey: c.key, baseURL: rig.gw.url, maxRetries: 0 });
    const err = (await anthropic.messages.create({ model: 'bill-cut-first', max_tokens: 10, stream: true, messages: [{ role: 'user', content: LONG }] }).then(drain, (e) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.status).toBe(502);
    expect((err.error as any).type).toBe('error');
    expect((err.error as any).error.type).toBe('api_error');
    expect(rig.fake.requests.length).toBe(before);
    const row = await rig.gw.waitForRow(err.headers!.get('request-id')!);
    expect(row.endpoint).toBe('messages');
    expect(row.costUsd).toBeCloseTo(CUT_USD, 9);
    expect(await spendOf(c.id)).toBeLessThanOrEqual(3);
  });
}
