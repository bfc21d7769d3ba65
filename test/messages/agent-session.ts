/**
 * A long Claude Code style session on /v1/messages: a fake Anthropic that plays an agent (each turn
 * a tool_use until the last, an end_turn answer then) with prompt-cache usage that grows as the
 * conversation does, in Anthropic's real wire shapes (message_start with the prompt's counts and the
 * 5-minute / 1-hour `cache_creation` split, message_delta repeating them cumulatively without the
 * split, as newer API versions do), and a driver that runs the loop with @anthropic-ai/sdk, moving
 * `cache_control` to the last message each turn as Claude Code does.
 */
import Anthropic from '@anthropic-ai/sdk';
import { jsonResponse, sseEventsResponse, type FakeHandler } from '../helpers/fake-upstream';
import { thinkingRefusal } from '../anthropic/fake-anthropic';

/** The usage Anthropic reports for turn `t` (0-based) of the session: the numbers the row and cost must match. */
export function turnUsage(t: number) {
  // Turn 0 writes the system prompt and tools to the 1-hour cache and the first message to the
  // 5-minute one; later turns read all that back and write the turn the loop added.
  const read = t === 0 ? 0 : 5_000 + 180 * (t - 1);
  const w1h = t === 0 ? 4_200 : 0;
  const w5m = t === 0 ? 800 : 180;
  return { input_tokens: 3 + (t % 4), cache_read_input_tokens: read, cache_creation_input_tokens: w1h + w5m, cache_creation: { ephemeral_5m_input_tokens: w5m, ephemeral_1h_input_tokens: w1h }, output_tokens: 60 + t };
}

/** The turn a request is (its assistant turns so far). */
export const turnOf = (body: any): number => (body.messages as any[]).filter((m) => m.role === 'assistant').length;

/** The message Anthropic answers turn `t` with: a Read call, or text on the last turn. */
export function anthropicMessage(t: number, last: boolean, model: string, thinking = false) {
  const said = last
    ? [{ type: 'text', text: 'All files read; the refactor is done.' }]
    : [{ type: 'text', text: `Reading file ${t}.` }, { type: 'tool_use', id: `toolu_01Agent${String(t).padStart(4, '0')}xxxxxxxx`, name: 'Read', input: { file_path: `/repo/src/file-${t}.ts` } }];
  const content: any[] = thinking ? [{ type: 'thinking', thinking: `Turn ${t}: the next file.`, signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrk' }, ...said] : said;
  return { id: `msg_01AgentTurn${String(t).padStart(4, '0')}xxxxxxx`, type: 'message', role: 'assistant', model, content, stop_reason: last ? 'end_turn' : 'tool_use', stop_sequence: null, usage: { ...turnUsage(t), service_tier: 'standard' } };
}

const ev = (event: string, data: object) => ({ event, data: JSON.stringify({ type: event, ...data }) });

/** Anthropic's event stream of a message (text and tool_use blocks, the JSON input in two pieces). */
export function messageEvents(msg: ReturnType<typeof anthropicMessage>) {
  const { input_tokens, cache_read_input_tokens, cache_creation_input_tokens, output_tokens } = msg.usage;
  const events = [ev('message_start', { message: { ...msg, content: [], stop_reason: null, usage: { ...msg.usage, output_tokens: 1 } } })];
  msg.content.forEach((b: any, index) => {
    if (b.type === 'thinking') {
      events.push(
        ev('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }),
        ev('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: b.thinking } }),
        ev('content_block_delta', { index, delta: { type: 'signature_delta', signature: b.signature } }),
      );
    } else if (b.type === 'text') {
      events.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }), ev('content_block_delta', { index, delta: { type: 'text_delta', text: b.text } }));
    } else {
      const json = JSON.stringify(b.input);
      events.push(
        ev('content_block_start', { index, content_block: { ...b, input: {} } }),
        ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: json.slice(0, 9) } }),
        ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: json.slice(9) } }),
      );
    }
    events.push(ev('content_block_stop', { index }));
  });
  events.push(
    ev('message_delta', { delta: { stop_reason: msg.stop_reason, stop_sequence: null }, usage: { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens } }),
    ev('message_stop', {}),
  );
  return events;
}

/** The fake Anthropic agent of a `turns`-turn session (JSON or SSE, as asked; count_tokens 5,000 plus the turn). */
export const agentUpstream = (turns: number): FakeHandler => (_req, rec) => {
  const t = turnOf(rec.body);
  if (rec.path.endsWith('/count_tokens')) return jsonResponse({ input_tokens: 5_000 + t });
  // Thinking on, Anthropic refuses a tool loop whose last assistant turn does not start with its (signed) thinking.
  const thinking = rec.body.thinking?.type === 'enabled';
  if (thinking) {
    const refusal = thinkingRefusal(rec.body);
    if (refusal) return refusal;
  }
  const msg = anthropicMessage(t, t >= turns - 1, rec.body.model, thinking);
  return rec.body.stream ? sseEventsResponse(messageEvents(msg)) : jsonResponse(msg);
};

export const SYSTEM = [
  { type: 'text' as const, text: "You are Claude Code, Anthropic's official CLI for Claude." },
  { type: 'text' as const, text: 'Long instructions. '.repeat(400), cache_control: { type: 'ephemeral' as const, ttl: '1h' as const } },
];
export const TOOLS: Anthropic.Tool[] = [
  { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } },
  { name: 'Read', description: 'Read a file', input_schema: { type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'] }, cache_control: { type: 'ephemeral', ttl: '1h' } },
];

/** The conversation with the cache marker on the last message's last block only (Claude Code moves it each turn). */
function marked(history: Anthropic.MessageParam[]): Anthropic.MessageParam[] {
  return history.map((m, i) => {
    const blocks = typeof m.content === 'string' ? [{ type: 'text' as const, text: m.content }] : m.content;
    const plain = blocks.map(({ cache_control: _c, ...b }: any) => b);
    if (i === history.length - 1) plain[plain.length - 1] = { ...plain.at(-1), cache_control: { type: 'ephemeral' } };
    return { role: m.role, content: plain };
  });
}

export interface Turn {
  requestId: string;
  message: Anthropic.Message;
}

/** One turn's request body (Claude Code's shape: cached system and tools, the marker on the last message). */
export const turnBody = (model: string, history: Anthropic.MessageParam[], extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}) => ({
  model, max_tokens: 32_000, system: SYSTEM, tools: TOOLS, messages: marked(history), metadata: { user_id: 'user_abc_account__session_1' }, ...extra,
});

/** Runs one turn (streamed unless `json`) and appends the answer and its tool result to `history`. */
export async function runTurn(client: Anthropic, model: string, history: Anthropic.MessageParam[], json = false, extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}): Promise<Turn> {
  let turn: Turn;
  if (json) {
    const { data, response } = await client.messages.create(turnBody(model, history, extra)).withResponse();
    turn = { message: data, requestId: response.headers.get('x-request-id')! };
  } else {
    const stream = client.messages.stream(turnBody(model, history, extra));
    const message = await stream.finalMessage();
    turn = { message, requestId: (await stream.withResponse()).response.headers.get('x-request-id')! };
  }
  history.push({ role: 'assistant', content: turn.message.content as any });
  const calls = turn.message.content.filter((b) => b.type === 'tool_use');
  if (calls.length) history.push({ role: 'user', content: calls.map((c: any) => ({ type: 'tool_result' as const, tool_use_id: c.id, content: `contents of ${c.input.file_path}` })) });
  return turn;
}

/** USD of one turn's usage at a model's prices (USD per 1M): Anthropic's rule, 1-hour writes at twice the input price. */
export function turnCost(t: number, p: { input: number; cachedInput: number; cacheWrite: number; output: number }): number {
  const u = turnUsage(t);
  return (u.input_tokens * p.input + u.cache_read_input_tokens * p.cachedInput + u.cache_creation.ephemeral_5m_input_tokens * p.cacheWrite
    + u.cache_creation.ephemeral_1h_input_tokens * 2 * p.input + u.output_tokens * p.output) / 1e6;
}
