/**
 * A /v1/responses group split between OpenAI (passed through to its own /responses) and DeepSeek
 * (reached through the bridge) chooses the answer of a walk whose targets all failed exactly as the
 * same group does on /v1/chat/completions: a target only rate-limited (429, retry-after 7) is
 * answered over a later target refusing the gateway's keys or model, the soonest wait goes on the
 * error that ends the walk, a later bad request ends it, and a prompt over every target's window
 * answers the first target's 400. Both orders (DeepSeek first: the whole group
 * goes through the bridge), whole and streamed. Each case is asked on chat first and its answer is
 * what the Responses request must give. Fake upstreams on loopback with the providers' error bodies,
 * the official `openai` client (no retries), one log row per request found by its x-request-id.
 */
import { describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { modelGroups } from '../../src/db/schema';
import { ProviderKeyPool } from '../../src/key-pool/key-pool';
import { jsonResponse, type FakeHandler } from '../helpers/fake-upstream';
import { apiError, type TestGateway } from '../helpers/start-gateway';
import { useFakeProviders } from '../sdk/fake-providers';

const openai429: FakeHandler = () =>
  jsonResponse({ error: { message: 'Rate limit reached for gpt-4o in organization org-x on requests per min (RPM): Limit 500.', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, 429, { 'retry-after': '7' });
/** DeepSeek's failures, in its own words: each one after which (or before which) the walk goes on, and a bad request, which ends it. */
const deepseekFailures: Record<string, FakeHandler> = {
  '402 Insufficient Balance': () => jsonResponse({ error: { message: 'Insufficient Balance', type: 'unknown_error', param: null, code: 'invalid_request_error' } }, 402),
  '401 refused key': () => jsonResponse({ error: { message: 'Authentication Fails, Your api key: ****abcd is invalid', type: 'authentication_error', param: null, code: 'invalid_request_error' } }, 401),
  '404 model not served': () => jsonResponse({ error: { message: 'Model Not Exist', type: 'invalid_request_error', param: null, code: 'invalid_request_error' } }, 404),
  '503 overloaded (retry-after 30)': () => jsonResponse({ error: { message: 'Server overloaded, please try again later.', type: 'server_error', param: null, code: null } }, 503, { 'retry-after': '30' }),
  '500 server error': () => jsonResponse({ error: { message: 'Internal server error', type: 'server_error', param: null, code: null } }, 500),
  '400 bad request': () => jsonResponse({ error: { message: 'Failed to deserialize the JSON body into the target type', type: 'invalid_request_error', param: null, code: 'invalid_request_error' } }, 400),
};

let gw: TestGateway;
let client: OpenAI;
const { openaiUp: openai, deepseekUp: deepseek } = useFakeProviders((g) => {
  gw = g;
  client = g.openai();
  const now = Date.now();
  g.ctx.db.insert(modelGroups).values([
    { name: 'gpt-then-deepseek', strategy: 'heuristic', targets: ['openai/gpt-4o', 'deepseek/deepseek-chat'], updatedAt: now },
    { name: 'deepseek-then-gpt', strategy: 'heuristic', targets: ['deepseek/deepseek-chat', 'openai/gpt-4o'], updatedAt: now },
  ]).run();
  g.ctx.state.reload();
  openai.handler = openai429;
});

/** Each request starts as the first: no key resting from the last one's 429 or 402, no circuit counting its 5xx. */
function fresh() {
  gw.ctx.keyPool = new ProviderKeyPool();
  gw.ctx.breakers.reset();
  openai.requests.length = 0;
  deepseek.requests.length = 0;
}

/** What the client was told, and what the request's one row says. */
async function outcome(err: InstanceType<typeof OpenAI.APIError>) {
  const h = err.headers!;
  const row = await gw.waitForRow(err);
  return {
    answer: [err.status, (err.error as any)?.code ?? null, h.get('retry-after'), h.get('retry-after-ms'), h.get('x-should-retry')],
    message: (err.error as any)?.message,
    row: [row.status, row.provider, row.model, JSON.parse(row.attempts!).map((a: any) => [a.provider, a.status])],
    calls: [openai.requests.length, deepseek.requests.length],
  };
}

async function chatOutcome(group: string) {
  fresh();
  return outcome(await apiError(client.chat.completions.create({ model: group, messages: [{ role: 'user', content: 'Hi' }] })));
}

async function responsesOutcome(group: string, stream: boolean) {
  fresh();
  const err = await apiError(
    (async () => {
      const r = await client.responses.create({ model: group, input: 'Hi', stream });
      if (stream) for await (const _ of r as AsyncIterable<unknown>) void _;
    })(),
  );
  return { ...(await outcome(err)), paths: openai.requests.map((r) => r.path) };
}

/** The 429 chat answers, whatever DeepSeek said after it (its key, its model): the client retries, served once gpt-4o's key is back. */
const RATE_LIMITED = [429, 'rate_limit_exceeded', '7', '7000', null];

describe('gpt-4o (passed through) rate-limited, then DeepSeek (the bridge) fails: the answer chat gives', () => {
  for (const [name, handler] of Object.entries(deepseekFailures)) {
    for (const stream of [false, true]) {
      test(`then DeepSeek's ${name}${stream ? ', streamed' : ''}`, async () => {
        deepseek.handler = handler;
        const chat = await chatOutcome('gpt-then-deepseek');
        const res = await responsesOutcome('gpt-then-deepseek', stream);
        // One try each: gpt-4o's on its own Responses API, DeepSeek's through the bridge.
        expect(res.calls).toEqual([1, 1]);
        expect(res.paths).toEqual(['/v1/responses']);
        expect(res.row[3]).toEqual([['openai', 429], ['deepseek', chat.row[3][1][1]]]);
        expect({ answer: res.answer, message: res.message, row: res.row }).toEqual({ answer: chat.answer, message: chat.message, row: chat.row });
        // The rule itself: a refusal of DeepSeek's keys or model leaves gpt-4o's 429 and its wait.
        if (/^40[124]/.test(name)) expect([res.answer, res.row.slice(0, 2)]).toEqual([RATE_LIMITED, [429, 'openai']]);
        // A retryable failure after it ends the walk, with the soonest wait any target named (gpt-4o's 7 s).
        if (/^50/.test(name)) expect(res.answer.slice(2, 4)).toEqual(['7', '7000']);
      });
    }
  }
});

describe('DeepSeek fails, then gpt-4o rate-limited: the group goes through the bridge, the answer chat gives', () => {
  for (const name of ['402 Insufficient Balance', '404 model not served', '503 overloaded (retry-after 30)']) {
    for (const stream of [false, true]) {
      test(`DeepSeek's ${name}${stream ? ', streamed' : ''}`, async () => {
        deepseek.handler = deepseekFailures[name]!;
        const chat = await chatOutcome('deepseek-then-gpt');
        const res = await responsesOutcome('deepseek-then-gpt', stream);
        expect(res.calls).toEqual([1, 1]);
        expect(res.paths).toEqual(['/v1/chat/completions']);
        expect({ answer: res.answer, message: res.message, row: res.row }).toEqual({ answer: chat.answer, message: chat.message, row: chat.row });
        expect([res.answer, res.row.slice(0, 2)]).toEqual([RATE_LIMITED, [429, 'openai']]);
      });
    }
  }
});

describe("gpt-4o's prompt over its window, then DeepSeek's too: the first such 400, as chat answers it", () => {
  const overflow = (param: string): FakeHandler => () =>
    jsonResponse({ error: { message: 'Your input exceeds the context window of this model. Please adjust your input and try again.', type: 'invalid_request_error', param, code: 'context_length_exceeded' } }, 400);
  const deepseekOverflow: FakeHandler = () =>
    jsonResponse({ error: { message: "This model's maximum context length is 131072 tokens. However, you requested 140012 tokens (140012 in the messages, 0 in the completion). Please reduce the length of the messages or completion.", type: 'invalid_request_error', param: null, code: 'invalid_request_error' } }, 400);
  for (const stream of [false, true]) {
    test(`gpt-4o's context_length_exceeded is answered, not DeepSeek's${stream ? ', streamed' : ''}`, async () => {
      deepseek.handler = deepseekOverflow;
      openai.handler = (req) => overflow(new URL(req.url).pathname.endsWith('/responses') ? 'input' : 'messages')(req, undefined as never, openai);
      try {
        const chat = await chatOutcome('gpt-then-deepseek');
        const res = await responsesOutcome('gpt-then-deepseek', stream);
        expect(res.calls).toEqual([1, 1]);
        expect({ answer: res.answer, message: res.message, row: res.row }).toEqual({ answer: chat.answer, message: chat.message, row: chat.row });
        expect(res.answer.slice(0, 2)).toEqual([400, 'context_length_exceeded']);
        expect(res.message).toContain('exceeds the context window');
      } finally {
        openai.handler = openai429;
      }
    });
  }
});
