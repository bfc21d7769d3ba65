/**
 * /v1/responses driven as OpenAI's Codex CLI drives it: `store: false`, streamed, the whole
 * conversation re-sent each turn as input items without their ids (reasoning items without their
 * `reasoning_text` content, which Codex does not send back), `include: ["reasoning.encrypted_content"]`,
 * `prompt_cache_key`, `text.verbosity`, `parallel_tool_calls: false`. A bridged model runs the loop
 * turn after turn, every event valid against OpenAI's schema and one log row per turn; the tools
 * and items a bridged model cannot take (`local_shell`, `web_search`, their call items) are
 * OpenAI's 400 naming what was refused. Codex's freeform `apply_patch` is bridged: custom-tools-bridged.test.ts;
 * a whole session on Claude, compaction included: codex-claude-session.test.ts.
 */
import { describe, expect, test } from 'bun:test';
import { fixtureJson, jsonResponse } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { chatSse, expectValidEvents, useResponsesRig } from './responses-rig';
import { codexItemProblem, codexResent, expectCodexReads, sseEvents } from './codex-wire';

let gw: TestGateway;
const { replies, deepseek } = useResponsesRig((g) => {
  gw = g;
});

const shell = {
  type: 'function', name: 'shell', description: 'Runs a shell command and returns its output.', strict: false,
  parameters: { type: 'object', properties: { command: { type: 'array', items: { type: 'string' } }, workdir: { type: 'string' } }, required: ['command'], additionalProperties: false },
};
const user = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });

/** One Codex turn: its request body as Codex builds it, the SSE events read, the answer. */
async function codexTurn(model: string, input: unknown[], over: Record<string, unknown> = {}) {
  const body = {
    model, instructions: 'You are Codex, a coding agent.', input, tools: [shell], tool_choice: 'auto', parallel_tool_calls: false,
    reasoning: { effort: 'medium', summary: 'auto' }, store: false, stream: true, include: ['reasoning.encrypted_content'],
    prompt_cache_key: 'codex-session-1', text: { verbosity: 'medium' }, ...over,
  };
  const res = await gw.fetch('/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify(body) });
  const text = await res.text();
  const events = res.status === 200 ? sseEvents(text) : [];
  return { res, text, events };
}

describe('/v1/responses as Codex CLI drives it', () => {
  test('a bridged model runs a four-turn tool loop: valid events, the calls and outputs carried, one priced row per turn', async () => {
    replies['deepseek /chat/completions'] = () => chatSse('deepseek-chat-tools.chunks.txt');
    const input: any[] = [user('List the files.')];
    for (let turn = 0; turn < 4; turn++) {
      const { res, events } = await codexTurn('deepseek-chat', input);
      expect(res.status).toBe(200);
      expectValidEvents(events);
      expectCodexReads(events);
      expect(events[0].type).toBe('response.created');
      const completed = events.at(-1);
      expect(completed.type).toBe('response.completed');
      expect(completed.response).toMatchObject({ store: false, prompt_cache_key: 'codex-session-1', parallel_tool_calls: false, text: { verbosity: 'medium' } });
      expect(completed.response.usage).toMatchObject({ input_tokens: 180, output_tokens: 41, input_tokens_details: { cached_tokens: 128 } });
      const done = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item);
      // parallel_tool_calls false: one call, though the upstream made two.
      expect(done.map((i) => i.type)).toEqual(['function_call']);
      const row = await gw.waitForRow(res);
      expect(row).toMatchObject({ endpoint: 'responses', status: 200, stream: true, promptTokens: 180, completionTokens: 41 });
      expect(row.costUsd).toBeGreaterThan(0);
      // The upstream got the conversation so far: every call answered by its output.
      const sent = deepseek.requests.at(-1)!.body;
      expect(sent.messages.filter((m: any) => m.role === 'tool')).toHaveLength(turn);
      expect(sent.parallel_tool_calls).toBe(false);
      for (const item of done) input.push(codexResent(item), { type: 'function_call_output', call_id: item.call_id, output: 'README.md\nsrc' });
    }
  });

  test('a compaction with the body Codex sends, then a turn on the compacted history: both read whole by Codex, one row each', async () => {
    replies['deepseek /chat/completions'] = (s) => (s.body.stream ? chatSse('deepseek-chat-tools.chunks.txt') : jsonResponse(fixtureJson('deepseek', 'chat.json')));
    const { events } = await codexTurn('deepseek-chat', [user('List the files.')]);
    const call = events.at(-1).response.output[0];
    const history = [user('List the files.'), codexResent(call), { type: 'function_call_output', call_id: call.call_id, output: 'README.md\nsrc' }];
    const res = await gw.fetch('/v1/responses/compact', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'deepseek-chat', input: history, instructions: 'You are Codex, a coding agent.', tools: [shell], parallel_tool_calls: false, reasoning: { effort: 'medium', summary: 'auto' }, text: { verbosity: 'medium' } }),
    });
    expect(res.status).toBe(200);
    const { output } = await res.json();
    expect(output.map(codexItemProblem)).toEqual(output.map(() => null));
    expect(output.map((i: any) => i.type)).toEqual(['message', 'compaction']);
    expect((await gw.waitForRow(res)).status).toBe(200);

    const next = await codexTurn('deepseek-chat', [...output.map(codexResent), user('Open README.md.')]);
    expect(next.res.status).toBe(200);
    expectCodexReads(next.events);
    const sent = deepseek.requests.at(-1)!.body.messages.filter((m: any) => m.role === 'user').map((m: any) => m.content);
    expect(sent).toEqual(['List the files.', expect.stringContaining('Hello! How can I help?'), 'Open README.md.']);
    expect((await gw.waitForRow(next.res)).status).toBe(200);
  });

  test('local_shell, web_search and their call items on a bridged model are 400s naming them, each with its row', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ tools: [{ type: 'local_shell' }] }, 'tools[0]', "'local_shell'"],
      [{ tools: [shell, { type: 'web_search' }] }, 'tools[1]', "'web_search'"],
      [{ input: [user('ls'), { type: 'local_shell_call', call_id: 'c1', status: 'completed', action: { type: 'exec', command: ['ls'] } }] }, 'input[1]', "'local_shell_call'"],
    ];
    for (const [over, param, says] of cases) {
      const { res, text } = await codexTurn('deepseek-chat', (over.input as unknown[]) ?? [user('ls')], over);
      expect(res.status).toBe(400);
      const { error } = JSON.parse(text);
      expect(error.param).toBe(param);
      expect(error.message).toContain(says);
      expect((await gw.waitForRow(res)).status).toBe(400);
    }
  });
});
