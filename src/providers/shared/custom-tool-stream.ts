import type { ChatCompletionChunk } from '../types';
import { ChatToolCalls, type ChatToolCall } from './chat-tool-calls';
import { customInput } from './custom-tool-calls';
import { SseParser } from './sse-parser';

interface Call extends ChatToolCall {
  index: number;
  /** A call of a function standing for a custom tool: its arguments are held until it ends. */
  custom: boolean;
  /** Given to the client (a custom call once it ended). */
  sent?: boolean;
}

const encoder = new TextEncoder();

/**
 * An adapter's chat stream (`inner`, OpenAI chunks out) for a request whose custom tools went as
 * functions (custom-tools.ts): the calls of those functions (`names`) reach the client as OpenAI
 * streams custom calls in chat, `{index, id, type: "custom", custom: {name, input}}`. A call's
 * arguments are held until it ends (the next call, text, the finish chunk or the stream's end),
 * since its input is read out of them (customInput), and then sent in one delta. Used only for
 * such requests: every other stream goes as the adapter makes it, untouched.
 */
export function customToolStream(inner: Transformer<Uint8Array, Uint8Array>, names: ReadonlySet<string>): Transformer<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const calls = new Map<number, ChatToolCalls<Call>>();
  const held: Call[] = [];
  let envelope: Record<string, unknown> = {};
  let out = '';
  const emit = (chunk: unknown) => void (out += `data: ${JSON.stringify(chunk)}\n\n`);
  /** The held custom calls of a choice, each one chunk, before what comes next. */
  const release = (choiceIndex: number) => {
    for (const call of held.splice(0)) {
      call.sent = true;
      const tc = { index: call.index, id: call.id, type: 'custom', custom: { name: call.name, input: customInput(call.args) } };
      emit({ ...envelope, choices: [{ index: choiceIndex, delta: { tool_calls: [tc] }, logprobs: null, finish_reason: null }] });
    }
  };
  const onChunk = (chunk: ChatCompletionChunk): boolean => {
    const { choices, usage, ...rest } = chunk;
    envelope = rest;
    let changed = false;
    for (const choice of Array.isArray(choices) ? choices : []) {
      const delta = choice?.delta as ChatCompletionChunk.Choice.Delta | undefined;
      const index = choice?.index ?? 0;
      let seen = calls.get(index);
      if (!seen) calls.set(index, (seen = new ChatToolCalls<Call>((id) => ({ id, name: '', args: '', index: 0, custom: false }))));
      const kept: ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
      for (const tc of Array.isArray(delta?.tool_calls) ? delta.tool_calls : []) {
        const { call, fresh } = seen.of(tc);
        if (fresh) {
          call.index = tc.index ?? seen.count - 1;
          call.custom = names.has(tc.function?.name ?? '');
        }
        if (!call.custom) {
          if (fresh) release(index);
          kept.push(tc);
          continue;
        }
        if (!call.name && tc.function?.name) call.name = tc.function.name;
        if (typeof tc.function?.arguments === 'string') call.args += tc.function.arguments;
        if (!call.sent && !held.includes(call)) held.push(call);
        changed = true;
      }
      if (kept.length !== (delta?.tool_calls?.length ?? 0)) {
        if (kept.length) delta!.tool_calls = kept;
        else delete delta!.tool_calls;
      }
      if (held.length && (delta?.content || delta?.refusal || choice.finish_reason)) {
        changed = true;
        release(index);
      }
    }
    return changed;
  };
  const parser = new SseParser((e) => {
    if (e.data === '[DONE]' || !e.data.startsWith('{')) {
      release(0);
      return void (out += `data: ${e.data}\n\n`);
    }
    let chunk: ChatCompletionChunk;
    try {
      chunk = JSON.parse(e.data);
    } catch {
      return void (out += `data: ${e.data}\n\n`);
    }
    if (!onChunk(chunk)) return void (out += `data: ${e.data}\n\n`);
    // A chunk left with nothing of its own once the custom call's pieces were taken out is dropped.
    const empty = !chunk.usage && (chunk.choices ?? []).every((c) => !c.finish_reason && Object.keys(c.delta ?? {}).every((k) => k === 'role'));
    if (!empty || chunk.choices?.some((c) => c.delta?.role)) emit(chunk);
  });
  const controller = (c: TransformStreamDefaultController<Uint8Array>) =>
    ({
      enqueue: (bytes: Uint8Array) => parser.push(decoder.decode(bytes, { stream: true })),
      error: (reason: unknown) => c.error(reason),
      terminate: () => c.terminate(),
      desiredSize: c.desiredSize,
    }) as TransformStreamDefaultController<Uint8Array>;
  const pass = (c: TransformStreamDefaultController<Uint8Array>) => {
    if (out) c.enqueue(encoder.encode(out));
    out = '';
  };
  return {
    async transform(bytes, c) {
      try {
        await inner.transform?.(bytes, controller(c));
      } finally {
        pass(c);
      }
    },
    async flush(c) {
      try {
        await inner.flush?.(controller(c));
        release(0);
      } finally {
        pass(c);
      }
    },
  };
}
