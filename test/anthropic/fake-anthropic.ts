/** Replays Anthropic's wire shapes from test/fixtures/anthropic/ (SSE files sent event by event). */
import { fixtureJson, fixtureText, type FakeHandler } from '../helpers/fake-upstream';

export const anthropicJson = (name: string) => fixtureJson('anthropic', name);

/** A recorded `.sse` fixture (event: + data: lines), sent in one write per event as Anthropic does. */
export function anthropicSse(name: string, opts: { cutAfter?: number } = {}): Response {
  const events = fixtureText('anthropic', name).split(/\n\n+/).filter((e) => e.trim()).map((e) => `${e}\n\n`);
  const enc = new TextEncoder();
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (opts.cutAfter !== undefined && i >= opts.cutAfter) return c.error(new Error('fake upstream cut the stream'));
      const e = events[i++];
      if (e === undefined) return c.close();
      c.enqueue(enc.encode(e));
      await Bun.sleep(1);
    },
  });
  return new Response(stream, { headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
}

/** Answers each call with the next reply; a call past the end is a visible 500. */
export function queue(...replies: (() => Response)[]): FakeHandler {
  return () => {
    const next = replies.shift();
    return next ? next() : Response.json({ type: 'error', error: { type: 'api_error', message: 'fake: no reply queued' } }, { status: 500 });
  };
}

export const json = (name: string, status = 200, headers: Record<string, string> = {}) => () =>
  new Response(JSON.stringify(anthropicJson(name)), { status, headers: { 'content-type': 'application/json', ...headers } });
export const sse = (name: string, opts: { cutAfter?: number } = {}) => () => anthropicSse(name, opts);

/**
 * Anthropic's refusal of a request its thinking rules do not allow, or null: a thinking block it
 * did not sign, and (thinking on) a forced tool_choice (`any` or `tool`: extended thinking takes
 * only auto/none) or a last assistant turn with tool calls, or a final assistant turn (a prefill),
 * that does not start with its thinking.
 * The messages are the real API's.
 */
export function thinkingRefusal(body: any): Response | null {
  const refuse = (message: string) => Response.json({ type: 'error', error: { type: 'invalid_request_error', message } }, { status: 400 });
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  for (const [i, m] of messages.entries()) {
    const bad = Array.isArray(m.content) ? m.content.findIndex((b: any) => b.type === 'thinking' && !b.signature) : -1;
    if (bad >= 0) return refuse(`messages.${i}.content.${bad}: Invalid \`signature\` in \`thinking\` block`);
  }
  const enabled = body?.thinking && body.thinking.type !== 'disabled';
  if (enabled && ['any', 'tool'].includes(body?.tool_choice?.type)) {
    return refuse('Thinking may not be enabled when tool_choice forces tool use.');
  }
  const last = messages.findLastIndex((m) => m.role === 'assistant');
  const content = Array.isArray(messages[last]?.content) ? messages[last].content : typeof messages[last]?.content === 'string' ? [{ type: 'text' }] : [];
  // The turn that must start with its thinking: the last one that called tools, or a final
  // assistant turn (a prefill) of any kind (Aider's continuation after a length stop hits this).
  const mustThink = content.some((b: any) => b.type === 'tool_use') || last === messages.length - 1;
  if (enabled && mustThink && !['thinking', 'redacted_thinking'].includes(content[0]?.type)) {
    return refuse(
      `messages.${last}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${content[0]?.type}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`,
    );
  }
  return null;
}

/** A fake Anthropic that refuses what thinkingRefusal refuses and otherwise gives `answer`. */
export const strictAboutThinking = (answer: () => Response): FakeHandler => (_req, rec) => thinkingRefusal(rec.body) ?? answer();

/**
 * Anthropic's refusal of sampling and stop settings its API does not take, or null (the real
 * API's messages): an empty or whitespace-only stop sequence; `temperature` with `top_p` on the
 * models since Claude Opus 4.1 (Claude 3 and the 4.0 pair take both); and, thinking on, a
 * `temperature` other than 1, a `top_p` below 0.95 or any `top_k`.
 */
export function samplingRefusal(body: any): Response | null {
  const refuse = (message: string) => Response.json({ type: 'error', error: { type: 'invalid_request_error', message } }, { status: 400 });
  // Claude Opus 4.7 and later: adaptive thinking only, and no sampling settings (temperature 1 passes).
  if (/claude-opus-4-7/.test(String(body?.model))) {
    if (body.thinking?.type === 'enabled') return refuse('"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.');
    if (body.temperature !== undefined && body.temperature !== 1) return refuse('`temperature` is deprecated for this model.');
    if (body.top_p !== undefined) return refuse('`top_p` is deprecated for this model.');
    if (body.top_k !== undefined) return refuse('`top_k` is deprecated for this model.');
  }
  const stops: unknown[] = Array.isArray(body?.stop_sequences) ? body.stop_sequences : [];
  if (stops.some((s) => s === '')) return refuse('stop_sequences: each stop sequence must be non-empty');
  if (stops.some((s) => typeof s === 'string' && s.trim() === '')) return refuse('stop_sequences: each stop sequence must contain non-whitespace');
  const thinking = body?.thinking && body.thinking.type !== 'disabled';
  const docs = 'Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#important-considerations-when-using-extended-thinking';
  if (thinking && body.temperature !== undefined && body.temperature !== 1) return refuse(`\`temperature\` may only be set to 1 when thinking is enabled. ${docs}`);
  if (thinking && body.top_p !== undefined && body.top_p < 0.95) return refuse(`\`top_p\` must be greater than or equal to 0.95 or unset when thinking is enabled. ${docs}`);
  if (thinking && body.top_k !== undefined) return refuse(`\`top_k\` must be unset when thinking is enabled. ${docs}`);
  const takesBoth = /claude-3|claude-(opus|sonnet)-4(-0)?(-\d{8})?$/.test(String(body?.model));
  if (!takesBoth && body?.temperature !== undefined && body?.top_p !== undefined) {
    return refuse('`temperature` and `top_p` cannot both be specified for this model. Please use only one.');
  }
  return null;
}

/**
 * Anthropic's 400 for a final assistant turn (a prefill) whose text ends in whitespace, or null
 * (the real API's message).
 */
export function prefillRefusal(body: any): Response | null {
  const last = Array.isArray(body?.messages) ? body.messages.at(-1) : undefined;
  if (last?.role !== 'assistant') return null;
  const content = typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : (last.content ?? []);
  const end = content.at(-1);
  if (end?.type !== 'text' || !/\s$/.test(end.text)) return null;
  return Response.json({ type: 'error', error: { type: 'invalid_request_error', message: 'messages: final assistant content cannot end with trailing whitespace' } }, { status: 400 });
}

/** A fake Anthropic that refuses a prefill ending in whitespace and otherwise gives `answer`. */
export const strictAboutPrefill = (answer: () => Response): FakeHandler => (_req, rec) => prefillRefusal(rec.body) ?? answer();

/**
 * Anthropic's 400 for a base64 image whose media_type does not name the format of its bytes, or
 * null (the real API's message; it reads the bytes, where OpenAI ignores the label).
 */
export function imageTypeRefusal(body: any): Response | null {
  const formats: [string, string][] = [['/9j/', 'image/jpeg'], ['iVBORw0KGgo', 'image/png'], ['R0lGOD', 'image/gif'], ['UklGR', 'image/webp']];
  for (const [i, m] of (Array.isArray(body?.messages) ? body.messages : []).entries()) {
    for (const [j, b] of (Array.isArray(m.content) ? m.content : []).entries()) {
      const src = b?.type === 'image' && b.source?.type === 'base64' ? b.source : null;
      const actual = src && formats.find(([head]) => String(src.data).startsWith(head))?.[1];
      if (actual && actual !== src.media_type) {
        const message = `messages.${i}.content.${j}.image.source.base64: The image was specified using the ${src.media_type} media type, but the image appears to be a ${actual} image`;
        return Response.json({ type: 'error', error: { type: 'invalid_request_error', message } }, { status: 400 });
      }
    }
  }
  return null;
}

/**
 * Anthropic's 400 for an `output_config.format` it does not take, or null: on a model without
 * structured outputs (Claude 3, the 4.0 pair, Opus 4.1), or a
 * schema outside its subset (an object without `additionalProperties: false`, a `$ref`, a numeric
 * bound, string length or `maxItems`). The messages are in Anthropic's shape, not its exact words.
 */
export function outputFormatRefusal(body: any): Response | null {
  const format = body?.output_config?.format;
  if (format === undefined) return null;
  const refuse = (message: string) => Response.json({ type: 'error', error: { type: 'invalid_request_error', message } }, { status: 400 });
  if (/^claude-(3|(opus|sonnet|haiku)-4(-[01])?(-\d{8})?$)/.test(String(body.model))) return refuse(`'${body.model}' does not support output_config.format.`);
  const bad = (node: unknown, at: string): string | null => {
    if (!node || typeof node !== 'object') return null;
    if (Array.isArray(node)) return node.map((n, i) => bad(n, `${at}.${i}`)).find((x) => x) ?? null;
    const n = node as Record<string, unknown>;
    for (const k of ['$ref', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'maxItems', 'uniqueItems', 'oneOf']) {
      if (k in n) return `output_config.format.schema: ${at}: unsupported schema feature '${k}'`;
    }
    if (n.type === 'object' && n.additionalProperties !== false) return `output_config.format.schema: ${at}: additionalProperties must be false`;
    for (const [k, v] of Object.entries(n)) {
      if (k === 'properties' && v && typeof v === 'object') {
        for (const [name, s] of Object.entries(v)) if (bad(s, `${at}.properties.${name}`)) return bad(s, `${at}.properties.${name}`);
      } else if (['items', 'anyOf', 'allOf'].includes(k)) {
        const found = bad(v, `${at}.${k}`);
        if (found) return found;
      }
    }
    return null;
  };
  if (format.type !== 'json_schema') return refuse(`output_config.format.type: Input should be 'json_schema'`);
  const problem = bad(format.schema, 'root');
  return problem ? refuse(problem) : null;
}

/**
 * Anthropic's 400 for a text block of whitespace alone anywhere in `messages` (tool results' text
 * too), or null (the real API's message). Claude itself answers "\n\n" before a tool call at times,
 * and a client gives that back as the assistant message's content.
 */
export function whitespaceTextRefusal(body: any): Response | null {
  const blank = (b: any): boolean => (b?.type === 'text' && typeof b.text === 'string' && b.text.trim() === '') || (b?.type === 'tool_result' && Array.isArray(b.content) && b.content.some(blank));
  for (const m of Array.isArray(body?.messages) ? body.messages : []) {
    const content = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : Array.isArray(m.content) ? m.content : [];
    if (content.some(blank)) {
      return Response.json({ type: 'error', error: { type: 'invalid_request_error', message: 'messages: text content blocks must contain non-whitespace text' } }, { status: 400 });
    }
  }
  return null;
}

/** A fake Anthropic that refuses a whitespace-only text block and otherwise gives the next of `answers`. */
export function strictAboutBlankText(...answers: (() => Response)[]): FakeHandler {
  const next = queue(...answers);
  return (req, rec, fake) => whitespaceTextRefusal(rec.body) ?? next(req, rec, fake);
}
