/**
 * A long Claude Code session on /v1/messages translated to Kimi (through a group named as Claude
 * Code names its model) and to DeepSeek, replayed as Claude Code sends it: Bearer auth
 * (ANTHROPIC_AUTH_TOKEN), its betas (the OAuth one too), `x-app: cli`, its system blocks and 17 tools,
 * thinking with a 31,999-token budget under max_tokens 32,000, temperature 1, each turn two
 * parallel tool calls answered by a tool_result holding an image and a failed one (`is_error`)
 * beside a system reminder, a small title request without streaming, count_tokens before
 * compaction, and Esc mid-stream at turn 5 retried at once.
 *
 * Claude Code sends a history turn's thinking back only when that turn's `model` is the model it
 * asks for now (it strips the others' as another model's), so the driver does the same: a
 * translated answer must name the model the client asked for, else every turn's thinking is lost.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { modelGroups } from '../../src/db/schema';
import { fixtureJson, jsonResponse, sseResponse, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { foldChatChunks, PNG_BASE64 } from './messages-helpers';

const REQUEST = fixtureJson('messages', 'claude-code-request.json');
const TURNS = 12;
const CUT = 5;
const BETAS = 'claude-code-20250219,oauth-2025-04-20,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14,context-management-2025-06-27';
const turnOf = (body: any) => (body.messages as any[]).filter((m) => m.role === 'assistant').length;

/** The usage of turn `t`: the conversation so far cached (Kimi's top-level `cached_tokens`, DeepSeek's hit/miss split). */
function usage(t: number, kimi: boolean) {
  const prompt = 9_000 + 500 * t;
  const cached = 8_000 + 400 * t;
  const base = { prompt_tokens: prompt, completion_tokens: 50 + t, total_tokens: prompt + 50 + t };
  return kimi ? { ...base, cached_tokens: cached } : { ...base, prompt_tokens_details: { cached_tokens: cached }, prompt_cache_hit_tokens: cached, prompt_cache_miss_tokens: prompt - cached };
}

/** Turn `t` in the provider's chunks: its reasoning, then text and two parallel calls (Read, Bash), or a last answer. */
function chunks(t: number, model: string, kimi: boolean): string[] {
  const c = (delta: object, finish: string | null = null, u?: object) =>
    JSON.stringify({ id: `chatcmpl-${t}`, object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }], ...(u && { usage: u }) });
  // Kimi numbers its calls across the conversation (`functions.Read:0`), DeepSeek gives each a unique id.
  const id = (i: number, name: string) => (kimi ? `functions.${name}:${2 * t + i}` : `call_0_${t}${i}a1b2c3d4`);
  const call = (i: number, name: string, args: object) => [
    c({ tool_calls: [{ index: i, id: id(i, name), type: 'function', function: { name, arguments: '' } }] }),
    c({ tool_calls: [{ index: i, function: { arguments: JSON.stringify(args) } }] }),
  ];
  const head = [c({ role: 'assistant', content: '' }), c({ reasoning_content: `Turn ${t}: ` }), c({ reasoning_content: 'read and list.' })];
  const body = t === TURNS - 1
    ? [c({ content: 'All done.' }), c({}, 'stop', usage(t, kimi))]
    : [c({ content: `Reading file ${t}.` }), ...call(0, 'Read', { file_path: `/repo/src/${t}.ts` }), ...call(1, 'Bash', { command: `ls ${t}`, description: 'List' }), c({}, 'tool_calls', usage(t, kimi))];
  return [...head, ...body, '[DONE]'];
}

const agent = (kimi: boolean): FakeHandler => (_r, rec) => {
  const cs = !rec.body.tools
    ? [JSON.stringify({ id: 'chatcmpl-title', object: 'chat.completion.chunk', created: 1, model: rec.body.model, choices: [{ index: 0, delta: { role: 'assistant', content: 'Refactor src' }, finish_reason: 'stop' }], usage: usage(0, kimi) }), '[DONE]']
    : chunks(turnOf(rec.body), rec.body.model, kimi);
  return rec.body.stream ? sseResponse(cs) : jsonResponse(foldChatChunks(cs));
};

let kimi: FakeUpstream;
let deepseek: FakeUpstream;
let gw: TestGateway;
beforeAll(async () => {
  kimi = startFakeUpstream(agent(true));
  deepseek = startFakeUpstream(agent(false));
  gw = await startGateway({ env: { ...providerEnv('moonshot', `${kimi.url}/v1`), ...providerEnv('deepseek', `${deepseek.url}/v1`) } });
  gw.ctx.db.insert(modelGroups).values({ name: 'claude-opus-4-1-20250805', strategy: 'heuristic', targets: ['moonshot/kimi-k2-thinking'], updatedAt: Date.now() }).run();
  gw.ctx.state.reload();
});
afterAll(async () => {
  await gw.close();
  kimi.close();
  deepseek.close();
});

/** What Claude Code sends back of its history: a turn's thinking only when that turn names the model asked for now. */
const claudeCodeHistory = (history: any[], model: string) =>
  history.map((m) => (m.role === 'assistant' && m.model !== model ? { ...m, content: m.content.filter((b: any) => b.type !== 'thinking' && b.type !== 'redacted_thinking') } : m));
/** Claude Code's message breakpoint sits on the newest turn only (Anthropic takes 4 cache_control blocks at most). */
const lastBreakpoint = (m: any, i: number, all: any[]) => (i === all.length - 1 || !Array.isArray(m.content) ? m : { ...m, content: m.content.map(({ cache_control: _c, ...b }: any) => b) });
const sendable = (history: any[], model: string) => claudeCodeHistory(history, model).map(({ role, content }) => ({ role, content })).map(lastBreakpoint);

const cases = [
  { name: 'Kimi through a group named as Claude Code names its model', model: 'claude-opus-4-1-20250805', up: () => kimi, rowModel: 'moonshot/kimi-k2-thinking', kimi: true },
  { name: 'DeepSeek by name', model: 'deepseek/deepseek-reasoner', up: () => deepseek, rowModel: 'deepseek-reasoner', kimi: false },
];

for (const c of cases) {
  test(`${c.name}: ${TURNS} turns of parallel calls, each answer names the model asked for, so the thinking goes back every turn`, async () => {
    const client = new Anthropic({
      apiKey: null, authToken: gw.clientKey, baseURL: gw.url, maxRetries: 0, timeout: 20_000,
      defaultHeaders: { 'anthropic-beta': BETAS, 'x-app': 'cli', 'anthropic-dangerous-direct-browser-access': 'true', 'user-agent': 'claude-cli/2.0.14 (external, cli)' },
    });
    const history: any[] = [{ role: 'user', content: [{ type: 'text', text: 'Refactor every file under src/.' }] }];
    const turnBody = () => ({
      model: c.model, max_tokens: 32_000, temperature: 1, system: REQUEST.system, tools: REQUEST.tools, metadata: REQUEST.metadata,
      thinking: { type: 'enabled' as const, budget_tokens: 31_999 }, messages: sendable(history, c.model),
    });
    const toolIds: string[] = [];
    for (let t = 0; t < TURNS; t++) {
      if (t === CUT) {
        // Esc while the calls stream: the upstream goes silent after the reasoning; the client leaves.
        const fake = c.up();
        const normal = fake.handler;
        fake.handler = (_r, rec) => ((fake.handler = normal), sseResponse(chunks(t, rec.body.model, c.kimi), { hangAfter: 4, onAbort: () => fake.noteAbort() }));
        const aborts = fake.aborts;
        const s = client.messages.stream(turnBody());
        s.on('streamEvent', (e) => e.type === 'content_block_delta' && s.abort());
        expect(await s.finalMessage().catch((e) => e)).toBeInstanceOf(Anthropic.APIUserAbortError);
        await fake.waitForAbort(aborts + 1);
        const cut = await gw.waitForRow((await s.withResponse()).response);
        expect(cut).toMatchObject({ status: 499, endpoint: 'messages', stream: true });
        expect(cut.costUsd).toBeGreaterThan(0);
      }
      const json = t % 4 === 3;
      let message: Anthropic.Message;
      let requestId: string;
      if (json) {
        const { data, response } = await client.messages.create(turnBody()).withResponse();
        [message, requestId] = [data, response.headers.get('x-request-id')!];
      } else {
        const s = client.messages.stream(turnBody());
        message = await s.finalMessage();
        requestId = (await s.withResponse()).response.headers.get('x-request-id')!;
      }
      const u = usage(t, c.kimi);
      expect({ t, model: message.model }).toEqual({ t, model: c.model });
      expect({ t, ...message.usage }).toMatchObject({ t, input_tokens: 1_000 + 100 * t, cache_read_input_tokens: 8_000 + 400 * t, output_tokens: 50 + t });
      const row = await gw.waitForRow(requestId);
      expect({ t, ...row }).toMatchObject({ t, status: 200, endpoint: 'messages', stream: !json, model: c.rowModel, promptTokens: u.prompt_tokens, cachedTokens: 8_000 + 400 * t });
      expect(row.costUsd).toBeGreaterThan(0);
      expect(row.costUsd).toBeLessThan(0.05);
      if (t === TURNS - 1) {
        expect(message.stop_reason).toBe('end_turn');
        break;
      }
      expect(message.stop_reason).toBe('tool_use');
      expect(message.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use', 'tool_use']);
      history.push({ role: 'assistant', model: message.model, content: message.content });
      const [read, bash] = message.content.filter((b) => b.type === 'tool_use') as Anthropic.ToolUseBlock[];
      toolIds.push(read!.id, bash!.id);
      history.push({
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: read!.id, content: [{ type: 'text', text: `export const x${t} = 1;` }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } }] },
          { type: 'tool_result', tool_use_id: bash!.id, is_error: true, content: 'Exit code 1' },
          { type: 'text', text: '<system-reminder>The todo list is empty.</system-reminder>', cache_control: { type: 'ephemeral' } },
        ],
      });
      if (t === 2) {
        // The title, from the small fast model, not streamed.
        const { data, response } = await client.messages.create({ model: c.model, max_tokens: 512, system: [{ type: 'text', text: 'Summarize in 5 words.' }], messages: [{ role: 'user', content: 'Refactor every file under src/.' }] }).withResponse();
        expect(data.content).toEqual([{ type: 'text', text: 'Refactor src', citations: null }]);
        expect(await gw.waitForRow(response)).toMatchObject({ status: 200, stream: false });
      }
      if (t === 8) {
        const { max_tokens: _m, temperature: _t, metadata: _u, ...counted } = turnBody();
        const calls = c.up().requests.length;
        expect((await client.messages.countTokens(counted)).input_tokens).toBeGreaterThan(5_000);
        expect(c.up().requests.length).toBe(calls);
      }
    }
    // The last call carried the whole loop: every call (the cut turn's retry's), its result, and the turn's reasoning.
    const sent = c.up().last().body;
    const turns = sent.messages.filter((m: any) => m.role === 'assistant');
    expect(turns).toHaveLength(TURNS - 1);
    expect(turns.map((m: any) => m.reasoning_content)).toEqual(Array.from({ length: TURNS - 1 }, (_, t) => `Turn ${t}: read and list.`));
    const callIds = turns.flatMap((m: any) => m.tool_calls.map((x: any) => x.id));
    expect(callIds).toEqual(Array.from({ length: TURNS - 1 }, (_, t) => (c.kimi ? [`functions.Read:${2 * t}`, `functions.Bash:${2 * t + 1}`] : [`call_0_${t}0a1b2c3d4`, `call_0_${t}1a1b2c3d4`])).flat());
    expect(sent.messages.filter((m: any) => m.role === 'tool').map((m: any) => m.tool_call_id)).toEqual(callIds);
    // Kimi's ids are no valid tool_use ids: the client saw them carried, and they came back as Kimi's.
    if (c.kimi) for (const id of toolIds) expect(id).toMatch(/^toolu_gg_[A-Za-z0-9_-]+$/);
    else expect(toolIds).toEqual(callIds);
    // One row per request of the session: the turns, the cut one, the title, the count.
    const rows = gw.logs.filter((r) => r.modelRequested === c.model);
    expect(rows.map((r) => r.endpoint).sort()).toEqual([...Array(TURNS + 2).fill('messages'), 'count_tokens'].sort());
    expect(new Set(rows.map((r) => r.requestId)).size).toBe(rows.length);
  }, 60_000);
}
