import type { UpstreamCall } from '../types';
import { mockReply, textOf } from './mock-reply';

/** Per-request settings: body fields `mock_latency_ms` / `mock_chunks` (set from config by the adapter). */
function mockSettings(body: any): { latencyMs: number; chunks: number } {
  const latency = Number(body.mock_latency_ms ?? 0);
  const chunks = Number(body.mock_chunks ?? 5);
  return {
    latencyMs: Number.isFinite(latency) && latency > 0 ? latency : 0,
    chunks: Number.isFinite(chunks) && chunks >= 1 ? Math.floor(chunks) : 5,
  };
}

/** About four characters per token: the mock only needs plausible, deterministic numbers. */
const roughTokens = (s: string) => Math.max(1, Math.ceil(s.length / 4));

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

function splitInto(text: string, n: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / n));
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
  return parts.length ? parts : [''];
}

/**
 * Answers an OpenAI-shaped chat call in-process with the reply mock-reply.ts plans (an echo, a
 * tool call or a JSON value). It speaks the same wire format as a real upstream, so the whole
 * proxy path runs unchanged.
 */
export async function mockTransport(call: UpstreamCall, signal: AbortSignal): Promise<Response> {
  const body = JSON.parse(call.body ?? '{}');
  const { latencyMs, chunks } = mockSettings(body);
  const messages: any[] = Array.isArray(body.messages) ? body.messages : [];
  const reply = mockReply(body);
  const toolCalls = reply.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  // `n` choices, each the same reply (OpenAI's limit is 128).
  const n = Number.isInteger(body.n) && body.n > 1 ? Math.min(body.n, 128) : 1;
  const indexes = Array.from({ length: n }, (_, i) => i);
  const usage = {
    prompt_tokens: roughTokens(messages.map((m) => textOf(m?.content)).join('\n')),
    completion_tokens: n * roughTokens(reply.content ?? reply.toolCalls.map((c) => c.name + c.arguments).join('')),
  };
  const fullUsage = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
  const id = `chatcmpl-mock-${crypto.randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const base = { id, object: 'chat.completion.chunk', created, model: body.model };
  if (latencyMs) await sleep(latencyMs, signal);

  if (!body.stream) {
    return Response.json({
      id,
      object: 'chat.completion',
      created,
      model: body.model,
      choices: indexes.map((index) => ({
        index,
        message: { role: 'assistant', content: reply.content, refusal: null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
        finish_reason: reply.finishReason,
        logprobs: null,
      })),
      usage: fullUsage,
    });
  }
  const events = [
    ...indexes.flatMap((i) => [
      { ...base, choices: [{ index: i, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
      ...(reply.content === null ? [] : splitInto(reply.content, chunks)).map((content) => ({ ...base, choices: [{ index: i, delta: { content }, finish_reason: null }] })),
      ...toolCalls.map((call, index) => ({ ...base, choices: [{ index: i, delta: { tool_calls: [{ index, ...call }] }, finish_reason: null }] })),
      { ...base, choices: [{ index: i, delta: {}, finish_reason: reply.finishReason }] },
    ]),
    ...(body.stream_options?.include_usage ? [{ ...base, choices: [], usage: fullUsage }] : []),
  ];
  const sse = events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n';
  return new Response(sse, { headers: { 'content-type': 'text/event-stream' } });
}
