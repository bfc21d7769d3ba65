/** Helpers for the /v1/messages tests: fold recorded streams into the matching JSON answers, read Anthropic SSE. */
import Anthropic from '@anthropic-ai/sdk';
import { expect } from 'bun:test';
import { readChunks } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';

export const anthropicClient = (gw: TestGateway, key = gw.clientKey) =>
  new Anthropic({ apiKey: key, baseURL: gw.url, maxRetries: 0, timeout: 20_000 });

/** An OpenAI-compatible `*.chunks.txt` stream folded into the non-stream completion the same upstream would send. */
export function foldChatChunks(payloads: string[]): any {
  const chunks = payloads.filter((p) => p !== '[DONE]').map((p) => JSON.parse(p));
  const message: Record<string, any> = { role: 'assistant', content: '' };
  const calls: any[] = [];
  let finish: string | null = null;
  let usage: any;
  for (const c of chunks) {
    if (c.usage) usage = c.usage;
    const choice = c.choices?.[0];
    if (!choice) continue;
    if (choice.usage) usage = choice.usage;
    if (choice.finish_reason) finish = choice.finish_reason;
    for (const k of ['content', 'reasoning_content', 'reasoning']) {
      if (typeof choice.delta?.[k] === 'string') message[k] = (message[k] ?? '') + choice.delta[k];
    }
    for (const tc of choice.delta?.tool_calls ?? []) {
      const call = (calls[tc.index] ??= { id: tc.id, type: 'function', function: { name: '', arguments: '' } });
      if (tc.function?.name) call.function.name = tc.function.name;
      if (tc.function?.arguments) call.function.arguments += tc.function.arguments;
    }
  }
  if (calls.length) message.tool_calls = calls;
  if (message.content === '' && calls.length) message.content = null;
  const first = chunks[0];
  return { id: first.id, object: 'chat.completion', created: first.created, model: first.model, choices: [{ index: 0, message, finish_reason: finish }], usage };
}

/** A Gemini `*.chunks.txt` stream folded into the generateContent answer. */
export function foldGeminiChunks(payloads: string[]): any {
  const chunks = payloads.map((p) => JSON.parse(p));
  const parts = chunks.flatMap((c) => c.candidates?.[0]?.content?.parts ?? []).filter((p: any) => !(p.text === '' && !p.thoughtSignature));
  const last = chunks.at(-1);
  return {
    candidates: [{ content: { parts, role: 'model' }, finishReason: last.candidates?.[0]?.finishReason, index: 0 }],
    usageMetadata: last.usageMetadata,
    modelVersion: last.modelVersion,
    responseId: last.responseId,
  };
}

export const folded = (provider: string, fixture: string) =>
  provider === 'gemini' ? foldGeminiChunks(readChunks('gemini', fixture)) : foldChatChunks(readChunks(provider, fixture));

/** Anthropic SSE text -> events ({event, data}); every `event:` name must equal its data's type. */
export function parseSse(text: string): any[] {
  return text
    .split('\n\n')
    .filter((f) => f.trim())
    .map((frame) => {
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      const data = JSON.parse(/^data: (.*)$/m.exec(frame)![1]!);
      expect(data.type).toBe(event);
      return data;
    });
}

/**
 * Asserts Anthropic's grammar: message_start; blocks one at a time (start, deltas of that index,
 * stop) with indexes 0,1,2…; pings anywhere after message_start; then message_delta, message_stop.
 */
export function expectAnthropicOrder(events: any[]): void {
  const types = events.map((e) => e.type).filter((t) => t !== 'ping');
  expect(types[0]).toBe('message_start');
  expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
  let open: number | null = null;
  let next = 0;
  for (const e of events.slice(1, -2)) {
    if (e.type === 'ping') continue;
    if (e.type === 'content_block_start') {
      expect(open).toBeNull();
      expect(e.index).toBe(next++);
      open = e.index;
    } else if (e.type === 'content_block_delta') {
      expect(e.index).toBe(open!);
    } else if (e.type === 'content_block_stop') {
      expect(e.index).toBe(open!);
      open = null;
    } else {
      throw new Error(`unexpected event ${e.type}`);
    }
  }
  expect(open).toBeNull();
}

/** A message without what differs between two answers of the same content (ids, the SDK's parse slot). */
export function comparable(m: any): any {
  const { id: _id, parsed_output: _p, ...rest } = JSON.parse(JSON.stringify(m));
  rest.content = rest.content.map((b: any) => (b.type === 'tool_use' ? { ...b, id: 'toolu_x' } : b));
  return rest;
}

export const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

/** A 1x1 PNG. */
export const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** The SDK's answer and its HTTP response, by messages.stream().finalMessage() or messages.create(). */
export async function answerOf(client: Anthropic, params: Anthropic.MessageCreateParamsNonStreaming, stream: boolean): Promise<{ data: Anthropic.Message; response: Response }> {
  if (!stream) return client.messages.create(params).withResponse();
  const s = client.messages.stream(params);
  return { data: await s.finalMessage(), response: (await s.withResponse()).response };
}
