/**
 * Routing through the real HTTP API: the official openai client against the gateway, every
 * provider pointed at its own fake upstream on loopback, the seeded groups from a fresh database.
 */
import { beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { modelGroups } from '../../src/db/schema';
import { createBreakerRegistry } from '../../src/routing/circuit-breaker';
import { jsonResponse, replay, sseResponse, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { answer, completion, useRoutingFakes, type P } from './routing-fakes';
import { limitedClient } from '../limits/limits-helpers';

// Tests send many requests and wait out timeouts: seconds on a loaded CI machine. A limit only
// bounds a hang.
setDefaultTimeout(30_000);

const fail500: FakeHandler = () => jsonResponse({ code: 'Internal error', error: 'upstream exploded' }, 500);

let fakes: Record<P, FakeUpstream>;
let gw: TestGateway;
const clock = 1_000_000;
const breakers = createBreakerRegistry({ failureThreshold: 2, cooldownMs: 30_000, now: () => clock });

useRoutingFakes((rig) => void ({ fakes, gw } = rig), { breakers });
beforeEach(() => {
  gw.logs.length = 0;
  breakers.reset();
});

const chat = (model: string, content: string) =>
  gw.openai().chat.completions.create({ model, messages: [{ role: 'user', content }] }).withResponse();

describe('dispatcher through HTTP', () => {
  test('classifier score 9 -> heavy-logic -> the strong model for a proof', async () => {
    // The classifier (openai/gpt-5.4-nano) answers with a score; anything else is a normal answer.
    fakes.openai.handler = (req, rec, f) =>
      rec.body.model === 'gpt-5.4-nano' ? jsonResponse(completion('gpt-5.4-nano', '9')) : answer(req, rec, f);
    const { data, response } = await chat('dispatcher', 'Prove step by step that the algorithm terminates.');

    expect(response.headers.get('x-gophergate-route')).toBe('dispatcher>heavy-logic>deepseek-v4-pro');
    expect(response.headers.get('x-gophergate-model')).toBe('deepseek-v4-pro');
    expect(response.headers.get('x-gophergate-provider')).toBe('deepseek');
    expect(data.model).toBe('deepseek-v4-pro');
    expect(data.choices[0]!.message.content).toBe('answer from deepseek-v4-pro');

    // The classifier saw the fixed prompt with the task in it.
    const asked = fakes.openai.requests.find((r) => r.body.model === 'gpt-5.4-nano')!;
    expect(asked.body.messages[0].content).toContain('scale from 1 to 10');
    expect(asked.body.messages[1].content).toContain('Prove step by step');
    // Its answer is capped (a budget reserves that much for it, not the model's whole window).
    expect(asked.body.max_completion_tokens).toBe(4096);

    const main = await gw.waitForRow(response);
    const [cls] = await gw.waitForChildRows(response, 1);
    expect(main.endpoint).toBe('chat');
    expect(cls!.endpoint).toBe('classifier');
    expect(main).toMatchObject({ modelRequested: 'dispatcher', provider: 'deepseek', route: 'dispatcher>heavy-logic>deepseek-v4-pro', status: 200 });
    expect(cls).toMatchObject({ provider: 'openai', status: 200, parentRequestId: main.requestId, promptTokens: 19, completionTokens: 10 });
  });

  test('classifier score 2 -> fast-flow; a garbage answer falls back to the heuristic', async () => {
    fakes.openai.handler = (req, rec, f) =>
      rec.body.model === 'gpt-5.4-nano' ? jsonResponse(completion('gpt-5.4-nano', '2')) : answer(req, rec, f);
    const easy = await chat('dispatcher', 'What is the capital of France? (easy #1)');
    expect(easy.response.headers.get('x-gophergate-route')).toBe('dispatcher>fast-flow>deepseek-v4-flash');

    fakes.openai.handler = (req, rec, f) =>
      rec.body.model === 'gpt-5.4-nano' ? jsonResponse(completion('gpt-5.4-nano', 'no idea')) : answer(req, rec, f);
    const hard = await chat('dispatcher', 'Is there a race condition in this lock? (garbage #1)');
    expect(hard.response.headers.get('x-gophergate-route')).toBe('dispatcher>heavy-logic>deepseek-v4-pro');
  });
});

describe('a reasoning classifier that writes its thoughts into the answer', () => {
  test('numbers in its thoughts are not its score: only what follows </think> is read, and a thought cut off reads as no answer', async () => {
    const classifierSays = (text: string) =>
      (fakes.openai.handler = (req, rec, f) => (rec.body.model === 'gpt-5.4-nano' ? jsonResponse(completion('gpt-5.4-nano', text)) : answer(req, rec, f)));
    // The model's chat template opened <think> in the prompt (DeepSeek-R1, QwQ on vLLM or Ollama
    // without a reasoning parser): the answer holds the thought's end and then the score.
    classifierSays('Could this be an 8? No: it is a one-line fact question.\n</think>\n\n2');
    const templated = await chat('dispatcher', 'What is the capital of Peru? (think #1)');
    expect(templated.response.headers.get('x-gophergate-route')).toBe('dispatcher>fast-flow>deepseek-v4-flash');
    expect(templated.response.headers.get('x-gophergate-route-reason')).toContain('classifier score 2');

    // Cut off at max_completion_tokens mid-thought: no score, the heuristic decides (no rule: fast-flow).
    classifierSays('<think>A capital question; tempting to say 9 since');
    const cut = await chat('dispatcher', 'What is the capital of Chile? (think #2)');
    expect(cut.response.headers.get('x-gophergate-route')).toBe('dispatcher>fast-flow>deepseek-v4-flash');
    expect(cut.response.headers.get('x-gophergate-route-reason')).toContain('classifier failed (unparseable answer');
  });
});

describe('classifier timeout through HTTP', () => {
  test('a slow classifier is abandoned after timeout_ms and the heuristic decides', async () => {
    const seeded = gw.ctx.state.getSnapshot().groups.get('dispatcher')!;
    gw.ctx.db.update(modelGroups).set({ settings: { ...seeded.settings, timeout_ms: 100 } }).where(eq(modelGroups.name, 'dispatcher')).run();
    gw.ctx.state.reload();
    try {
      fakes.openai.handler = async (req, rec, f) => {
        if (rec.body.model !== 'gpt-5.4-nano') return answer(req, rec, f);
        await Bun.sleep(1500);
        return jsonResponse(completion('gpt-5.4-nano', '1'));
      };
      // The classifier would say 1 (fast-flow); the heuristic reads "prove" as heavy-logic work.
      const { response } = await chat('dispatcher', 'Prove that this loop terminates (timeout #1)');
      expect(response.headers.get('x-gophergate-route')).toBe('dispatcher>heavy-logic>deepseek-v4-pro');
      expect(fakes.openai.requests.filter((r) => r.body.model === 'gpt-5.4-nano')).toHaveLength(1);
      // The classifier's own row says it timed out (the client did not leave: it got its answer),
      // and a classifier slower than timeout_ms is no upstream failure: its circuit hears nothing.
      const [cls] = await gw.waitForChildRows(response, 1);
      expect(cls).toMatchObject({ endpoint: 'classifier', model: 'gpt-5.4-nano', status: 504, errorType: 'classifier_timeout' });
      expect(cls!.error).toContain('timeout_ms (100 ms)');
      expect(breakers.list()).toEqual([]);
      // The call had gone out: the provider had its prompt and bills it, as for a client that left.
      // The row bills the estimate (to the request's key: budgets and TPM settle with it).
      expect(cls).toMatchObject({ clientId: gw.clientId, estimated: true, completionTokens: 0 });
      expect(cls!.promptTokens).toBeGreaterThan(0);
      expect(cls!.costUsd).toBeGreaterThan(0);
    } finally {
      gw.ctx.db.update(modelGroups).set({ settings: seeded.settings }).where(eq(modelGroups.name, 'dispatcher')).run();
      gw.ctx.state.reload();
    }
  });
});

describe('fallback through HTTP', () => {
  test('the first target answers 500, the second answers; the log keeps both attempts', async () => {
    fakes.grok.handler = fail500;
    const { data, response } = await chat('heavy-logic', 'hello');
    expect(data.choices[0]!.message.content).toBe('answer from kimi-k2.6');
    expect(fakes.grok.requests).toHaveLength(1);
    expect(fakes.moonshot.requests).toHaveLength(1);
    expect(response.headers.get('x-gophergate-model')).toBe('kimi-k2.6');
    expect(response.headers.get('x-gophergate-route')).toBe('heavy-logic>kimi-k2.6');

    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ status: 200, provider: 'moonshot', model: 'kimi-k2.6', route: 'heavy-logic>kimi-k2.6' });
    // The gateway records an upstream 5xx as its own 502 (bad gateway).
    expect(JSON.parse(row!.attempts!).map((a: any) => [a.model, a.status])).toEqual([
      ['grok-4.3', 502],
      ['kimi-k2.6', 200],
    ]);
  });

  /** heavy-logic streamed while grok fails as `grok` says and kimi answers: the text read, and the answer. */
  const streamFromKimi = async (grok: FakeHandler) => {
    fakes.grok.handler = grok;
    fakes.moonshot.handler = replay('usage', 'moonshot-stream-choice-usage.chunks.txt');
    const { data: stream, response } = await gw
      .openai()
      .chat.completions.create({ model: 'heavy-logic', stream: true, messages: [{ role: 'user', content: 'hello' }] })
      .withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Hello');
    expect(response.headers.get('x-gophergate-route')).toBe('heavy-logic>kimi-k2.6');
    return response;
  };

  test('a stream falls back the same way before any byte reached the client', async () => {
    const response = await streamFromKimi(fail500);
    expect(fakes.grok.requests).toHaveLength(1);
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ status: 200, stream: true, provider: 'moonshot', route: 'heavy-logic>kimi-k2.6' });
  });

  // A stream of no chunk at all ("data: [DONE]" alone, or events none of which is a chunk) is no
  // answer: the client's SDK would read an empty reply with a 200. Nothing reached the client, so the
  // group's next target answers instead, as for a stream that closed with nothing.
  for (const [name, events] of [['[DONE] alone', ['[DONE]']], ['only events that are not JSON', ['not json', '[DONE]']]] as const)
    test(`a stream of ${name} falls back before any byte reached the client`, async () => {
      const response = await streamFromKimi(() => sseResponse([...events]));
      const row = await gw.waitForRow(response);
      expect(row).toMatchObject({ status: 200, provider: 'moonshot' });
      expect(JSON.parse(row.attempts!)[0]).toMatchObject({ provider: 'grok', status: 502, error: 'grok stream ended before its first chunk' });
      // Named directly (no target left): a clean error, not an empty 200.
      const direct = await apiError(gw.openai().chat.completions.create({ model: 'grok-4.3', stream: true, messages: [{ role: 'user', content: 'hello' }] }));
      expect([direct.status, direct.code]).toEqual([502, 'upstream_error']);
      expect(direct.message).toContain('grok stream ended before its first chunk');
    });

  test('after repeated failures the open circuit is skipped without a call', async () => {
    fakes.grok.handler = fail500;
    await chat('heavy-logic', 'hello');
    await chat('heavy-logic', 'hello');
    expect(fakes.grok.requests).toHaveLength(2);
    // One model's 500s open its own circuit; grok's other models still serve.
    expect(breakers.available('grok', 'grok-4.3')).toBe(false);
    expect(breakers.state('grok')).toBe('closed');
    const third = await chat('heavy-logic', 'hello');
    expect(fakes.grok.requests).toHaveLength(2);
    expect(third.response.headers.get('x-gophergate-route')).toBe('heavy-logic>kimi-k2.6');

    // A concrete model behind an open circuit gets a fast 503 with a retry-after hint.
    const res = await gw.fetch('/v1/chat/completions', {
      method: 'POST',
      body: JSON.stringify({ model: 'grok-4.3', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBe(30);
    expect((await res.json()).error).toMatchObject({ type: 'api_error', code: 'circuit_open' });
    expect(fakes.grok.requests).toHaveLength(2);
  });
});

describe('discovery', () => {
  test('GET /v1/models lists the groups with their metadata', async () => {
    const list = await gw.openai().models.list();
    const dispatcher = list.data.find((m) => m.id === 'dispatcher') as any;
    expect(dispatcher).toMatchObject({
      object: 'model', owned_by: 'gophergate', group: true, strategy: 'classifier',
      targets: ['fast-flow', 'standard-pro', 'heavy-logic'], logic_level: null, primary_use: 'Auto-dispatches by complexity',
    });
    expect(list.data.some((m) => m.id === 'fast-flow')).toBe(true);
    // standard-pro has an enabled target (gpt-5.4-mini) beside its Gemini one; gemini-auto has only
    // Gemini models and Gemini is not configured here: it could only answer 503, so it is not listed.
    expect(list.data.some((m) => m.id === 'standard-pro')).toBe(true);
    expect(list.data.some((m) => m.id === 'gemini-auto')).toBe(false);
    expect((await apiError(gw.openai().models.retrieve('gemini-auto'))).status).toBe(404);
    const err = await apiError(chat('gemini-auto', 'hello'));
    expect([err.status, err.code]).toEqual([503, 'no_available_target']);
  });
});

describe('a key with an allow-list naming a group', () => {
  test('may call the group (its classifier and targets are not on the list) and lists only what it may call', async () => {
    fakes.openai.handler = (req, rec, f) =>
      rec.body.model === 'gpt-5.4-nano' ? jsonResponse(completion('gpt-5.4-nano', '9')) : answer(req, rec, f);
    const k = await limitedClient(gw, 'dispatcher only', { models: ['dispatcher', 'deepseek/*'] });
    const client = gw.openai(k.key);
    const { response } = await client.chat.completions.create({ model: 'dispatcher', messages: [{ role: 'user', content: 'Prove it (allow-list #1)' }] }).withResponse();
    expect(response.headers.get('x-gophergate-route')).toBe('dispatcher>heavy-logic>deepseek-v4-pro');
    expect((await apiError(client.chat.completions.create({ model: 'heavy-logic', messages: [{ role: 'user', content: 'hi' }] }))).code).toBe('model_not_allowed');

    const ids = (await client.models.list()).data.map((m) => m.id);
    expect(ids).toContain('dispatcher');
    expect(ids).toContain('deepseek-v4-pro');
    expect(ids.filter((id) => !['dispatcher'].includes(id) && gw.ctx.state.getSnapshot().models.get(id)?.provider !== 'deepseek')).toEqual([]);
    expect((await apiError(client.models.retrieve('heavy-logic'))).status).toBe(404);
    expect((await client.models.retrieve('dispatcher')).id).toBe('dispatcher');
    // A key without a list still sees everything.
    expect((await gw.openai().models.list()).data.some((m) => m.id === 'heavy-logic')).toBe(true);
  });
});

describe('default breakers of the app context', () => {
  test("five failures of a model open its circuit: fast 503, and /health shows it beside the provider's closed one", async () => {
    const grok = startFakeUpstream(fail500);
    const own = await startGateway({ env: providerEnv('grok', `${grok.url}/v1`) });
    try {
      const call = () =>
        own.fetch('/v1/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'grok-4.3', messages: [{ role: 'user', content: 'hi' }] }) });
      for (let i = 0; i < 5; i++) expect((await call()).status).toBe(502);
      const res = await call();
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('30');
      expect(grok.requests).toHaveLength(5);
      const health = await (await fetch(`${own.url}/health`)).json();
      expect(health.providers.grok).toMatchObject({ enabled: true, circuit: 'closed', model_circuits: [{ model: 'grok-4.3', circuit: 'open' }] });
    } finally {
      await own.close();
      grok.close();
    }
  });
});
