/**
 * The Claude Code session of agent-session.ts sent to an OpenAI model: translated to chat each turn
 * (cache_control has no meaning there), OpenAI's automatic prompt caching reported as
 * `prompt_tokens_details.cached_tokens`. Every turn's answer is a well-formed tool loop for the SDK,
 * its usage Anthropic's split (input without the cache hits, cache_read_input_tokens), its row one
 * and exact at the model's cached-input price; the key's spend is the sum.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { eq } from 'drizzle-orm';
import { models } from '../../src/db/schema';
import { jsonResponse, sseResponse, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { runTurn, type Turn } from './agent-session';
import { foldChatChunks } from './messages-helpers';

const TURNS = 30;
const MODEL = 'openai/gpt-4.1-mini';

/** OpenAI's usage of turn `t`: the conversation so far cached in 128-token steps, as OpenAI caches. */
function usage(t: number) {
  const prompt = 5_100 + 230 * t;
  const cached = t === 0 ? 0 : Math.floor((prompt - 230) / 128) * 128;
  return { prompt_tokens: prompt, completion_tokens: 25 + t, total_tokens: prompt + 25 + t, prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } };
}

/** OpenAI's chunks of turn `t`: a Read call in pieces, or text on the last turn, then the usage chunk. */
function chunks(t: number): string[] {
  const c = (delta: object, finish: string | null = null, u: object | null = null) =>
    JSON.stringify({ id: `chatcmpl-agent${t}`, object: 'chat.completion.chunk', created: 1757924400 + t, model: 'gpt-4.1-mini-2025-04-14', service_tier: 'default', system_fingerprint: 'fp_6f2eabb9a5', choices: u ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: u });
  const last = t === TURNS - 1;
  const args = JSON.stringify({ file_path: `/repo/src/file-${t}.ts` });
  const body = last
    ? [c({ role: 'assistant', content: '', refusal: null }), c({ content: 'All files read; ' }), c({ content: 'the refactor is done.' }), c({}, 'stop')]
    : [
        c({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: `call_agent${t}`, type: 'function', function: { name: 'Read', arguments: '' } }], refusal: null }),
        c({ tool_calls: [{ index: 0, function: { arguments: args.slice(0, 7) } }] }),
        c({ tool_calls: [{ index: 0, function: { arguments: args.slice(7) } }] }),
        c({}, 'tool_calls'),
      ];
  return [...body, c({}, null, usage(t)), '[DONE]'];
}

const turnOf = (body: any) => (body.messages as any[]).filter((m) => m.role === 'assistant').length;
const openaiAgent: FakeHandler = (_req, rec) => {
  const cs = chunks(turnOf(rec.body));
  return rec.body.stream ? sseResponse(cs) : jsonResponse(foldChatChunks(cs));
};

let fake: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  fake = startFakeUpstream(openaiAgent);
  gw = await startGateway({ env: providerEnv('openai', `${fake.url}/v1`) });
});
afterAll(async () => {
  await gw.close();
  fake.close();
});

test(`${TURNS} turns translated to OpenAI with its prompt caching: a tool loop the SDK runs, usage split as Anthropic's, one exact row a turn`, async () => {
  const m = gw.ctx.db.select().from(models).where(eq(models.id, 'gpt-4.1-mini')).get()!;
  const key = gw.addClient('agent-translated');
  const client = new Anthropic({ apiKey: key.key, baseURL: gw.url, maxRetries: 0, timeout: 20_000 });
  const history: Anthropic.MessageParam[] = [{ role: 'user', content: 'Refactor every file under src/.' }];
  const turns: Turn[] = [];
  for (let t = 0; t < TURNS; t++) turns.push(await runTurn(client, MODEL, history, t % 5 === 4));
  expect(turns.at(-1)!.message.content).toEqual([{ type: 'text', text: 'All files read; the refactor is done.', citations: null }]);
  // The last call carried the whole loop: each tool result answers its own call.
  const sent = fake.last().body;
  const calls = sent.messages.filter((x: any) => x.role === 'assistant').flatMap((x: any) => x.tool_calls.map((c: any) => c.id));
  expect(calls).toEqual(Array.from({ length: TURNS - 1 }, (_, t) => `call_agent${t}`));
  expect(sent.messages.filter((x: any) => x.role === 'tool').map((x: any) => x.tool_call_id)).toEqual(calls);
  expect(JSON.stringify(sent)).not.toContain('cache_control');
  let sum = 0;
  for (const [t, turn] of turns.entries()) {
    const u = usage(t);
    const cached = u.prompt_tokens_details.cached_tokens;
    expect({ t, ...turn.message.usage }).toMatchObject({ t, input_tokens: u.prompt_tokens - cached, cache_read_input_tokens: cached, output_tokens: u.completion_tokens });
    expect(turn.message.stop_reason).toBe(t === TURNS - 1 ? 'end_turn' : 'tool_use');
    const row = await gw.waitForRow(turn.requestId);
    expect({ t, ...row }).toMatchObject({ t, status: 200, endpoint: 'messages', promptTokens: u.prompt_tokens, cachedTokens: cached, completionTokens: u.completion_tokens });
    expect(row.costUsd).toBeCloseTo(((u.prompt_tokens - cached) * m.inputPrice + cached * m.cachedInputPrice! + u.completion_tokens * m.outputPrice) / 1e6, 12);
    sum += row.costUsd;
  }
  const rows = gw.logs.filter((r) => r.clientId === key.id);
  expect(rows).toHaveLength(TURNS);
  expect(rows.reduce((a, r) => a + r.costUsd, 0)).toBeCloseTo(sum, 12);
}, 60_000);

test('Esc mid-stream at turn 4 of the translated session (a tool call half sent): one 499 row, the prompt estimated at the input price and the half call as output; the session goes on', async () => {
  const CUT = 4;
  let cutSent = false;
  fake.handler = (req, rec, f) => {
    if (turnOf(rec.body) !== CUT || cutSent) return openaiAgent(req, rec, f);
    cutSent = true;
    // The call's head and half its arguments, then silence until the gateway leaves.
    const head = chunks(CUT).slice(0, 2).map((p) => `data: ${p}\n\n`).join('');
    return new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode(head)), cancel: () => f.noteAbort() }), { headers: { 'content-type': 'text/event-stream' } });
  };
  try {
    const key = gw.addClient('agent-translated-abort');
    const client = new Anthropic({ apiKey: key.key, baseURL: gw.url, maxRetries: 0, timeout: 20_000 });
    const history: Anthropic.MessageParam[] = [{ role: 'user', content: 'Refactor every file under src/.' }];
    for (let t = 0; t < CUT; t++) await runTurn(client, MODEL, history);
    const aborts = fake.aborts;
    const stream = client.messages.stream({ model: MODEL, max_tokens: 32_000, messages: history });
    stream.on('streamEvent', (e) => {
      if (e.type === 'message_start') stream.abort();
    });
    expect(await stream.finalMessage().catch((e) => e)).toBeInstanceOf(Anthropic.APIUserAbortError);
    await fake.waitForAbort(aborts + 1);
    const cut = await gw.waitForRow((await stream.withResponse()).response);
    expect(cut).toMatchObject({ status: 499, errorType: 'client_closed_request', estimated: true, cachedTokens: 0 });
    expect(cut.promptTokens).toBeGreaterThan(0);
    // The half call the upstream wrote is billed as output (OpenAI bills it), though the bridge held it back from the client.
    expect(cut.completionTokens).toBeGreaterThan(0);
    expect(cut.completionTokens).toBeLessThan(10);
    const m = gw.ctx.db.select().from(models).where(eq(models.id, 'gpt-4.1-mini')).get()!;
    expect(cut.costUsd).toBeCloseTo((cut.promptTokens * m.inputPrice + cut.completionTokens * m.outputPrice) / 1e6, 12);
    history.push({ role: 'user', content: [{ type: 'text', text: '[Request interrupted by user]' }] });
    const next = await runTurn(client, MODEL, history);
    expect(next.message.stop_reason).toBe('tool_use');
    expect((await gw.waitForRow(next.requestId)).status).toBe(200);
    expect(gw.logs.filter((r) => r.clientId === key.id)).toHaveLength(CUT + 2);
  } finally {
    fake.handler = openaiAgent;
  }
}, 60_000);
