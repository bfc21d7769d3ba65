import { badRequest } from '../errors/api-error';
import type { MessagesRequest } from './anthropic-types';

/**
 * OpenAI's names for what Anthropic spells otherwise (or has not): a client pointed at
 * /v1/messages with an OpenAI body. Anthropic refuses each ("stop: Extra inputs are not
 * permitted"); translated, they were dropped without a word (`stop` is `stop_sequences`, `n`,
 * `response_format` and the rest have no counterpart). Only these: a field Anthropic adds later
 * must still reach it, so unknown fields in general are left to Anthropic.
 */
const OPENAI_ONLY = [
  'stop', 'n', 'max_completion_tokens', 'response_format', 'frequency_penalty', 'presence_penalty', 'logit_bias', 'logprobs',
  'top_logprobs', 'seed', 'user', 'functions', 'function_call', 'parallel_tool_calls', 'stream_options', 'reasoning_effort',
];

/** Anthropic's rules for `stop_sequences`, the OpenAI-only fields, and tool definitions, in its words; every target. */
export function checkFields(req: MessagesRequest): void {
  for (const f of OPENAI_ONLY) if (req[f] !== undefined) throw badRequest(`${f}: Extra inputs are not permitted`, f);
  const stops = req.stop_sequences;
  if (Array.isArray(stops)) {
    for (const s of stops) {
      if (s === '') throw badRequest('stop_sequences: each stop sequence must be non-empty', 'stop_sequences');
      // Anthropic cannot stop at whitespace alone ("\n"), and refuses it.
      if (s.trim() === '') throw badRequest('stop_sequences: each stop sequence must contain non-whitespace', 'stop_sequences');
    }
  }
  if (Array.isArray(req.tools)) checkTools(req.tools);
}

/**
 * A client tool (no `type`, or `custom`) needs a name and an object `input_schema`; tool names are
 * unique. The path names the tool variant, as Anthropic's does (`tools.0.custom.input_schema`).
 * Server tools (`web_search_20250305`, …) are Anthropic's to judge.
 */
function checkTools(tools: Record<string, any>[]): void {
  const names = new Set<string>();
  for (let i = 0; i < tools.length; i++) {
    const t = tools[i]!;
    const custom = t.type === undefined || t.type === null || t.type === 'custom';
    if (custom) {
      if (typeof t.name !== 'string' || !t.name) throw badRequest(`tools.${i}.custom.name: Field required`, `tools.${i}.name`);
      const schema = t.input_schema;
      if (schema === undefined || schema === null) throw badRequest(`tools.${i}.custom.input_schema: Field required`, `tools.${i}.input_schema`);
      if (typeof schema !== 'object' || Array.isArray(schema)) throw badRequest(`tools.${i}.custom.input_schema: Input should be a valid dictionary`, `tools.${i}.input_schema`);
      if (schema.type !== 'object') throw badRequest(`tools.${i}.custom.input_schema.type: Input should be 'object'`, `tools.${i}.input_schema.type`);
    }
    if (typeof t.name !== 'string') continue;
    if (names.has(t.name)) throw badRequest('tools: Tool names must be unique.', 'tools');
    names.add(t.name);
  }
}

/**
 * How many stop sequences a translated target's API takes (OpenAI: 4, Gemini: 5); more were sent
 * on and refused in that API's words, naming its `stop`. Refused here, naming the client's field,
 * when every translated target of the walk would refuse them (as DeepSeek's JSON schema is).
 */
const STOP_LIMITS: Record<string, number> = { openai: 4, gemini: 5 };

export function checkStopCount(stops: readonly string[] | undefined, providers: readonly string[]): void {
  if (!stops?.length) return;
  const over = (p: string) => STOP_LIMITS[p] !== undefined && stops.length > STOP_LIMITS[p]!;
  if (!providers.length || !providers.every(over)) return;
  const p = providers[0]!;
  throw badRequest(`stop_sequences: provider '${p}' takes at most ${STOP_LIMITS[p]} stop sequences, not ${stops.length}.`, 'stop_sequences', 'unsupported_parameter');
}
