import { ApiError } from '../errors/api-error';
import { SseParser } from '../providers/shared/sse-parser';
import type { ChatCompletionChunk } from '../providers/types';
import type { StreamEnd } from './stream-relay';
import { shownValue } from '../errors/shown-value';

/** Longest part of an upstream's error message that is not text the error repeats. */
const UPSTREAM_TEXT_CHARS = 1000;

/**
 * A relayed chat stream (startChat's body) read back as parsed chunks (streamChatCompletion and
 * the native /v1/messages path): a failure mid-stream (an error chunk, whatever its dialect) is thrown as the
 * relay's end error; leaving the loop early cancels the relay (and so the upstream).
 */
export async function* chatChunks(stream: ReadableStream<Uint8Array>, ended: Promise<StreamEnd>): AsyncGenerator<ChatCompletionChunk> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const queue: string[] = [];
  const parser = new SseParser((e) => queue.push(e.data));
  let finished = false;
  let sawDone = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      parser.push(decoder.decode(value, { stream: true }));
      for (const data of queue.splice(0)) {
        // Read on to the end of the relay after [DONE]: cancelling it here would log the
        // request as closed by the client (499) although it finished normally.
        if (sawDone || data === '[DONE]') {
          sawDone = true;
          continue;
        }
        const chunk = JSON.parse(data);
        if (chunk?.error) {
          // The relay's error chunk (or one an upstream sent in OpenAI's shape): the relay is
          // pull-based and settles `ended` only once read to its end, so it is read on
          // (nothing more is yielded) before waiting.
          while (!(await reader.read()).done);
          finished = true;
          const end = await ended;
          // The message is the upstream's: anything but text is shown as its JSON (String() of an
          // object with its own non-function toString key throws).
          const message = typeof chunk.error.message === 'string' ? chunk.error.message : shownValue(chunk.error.message ?? 'stream error', UPSTREAM_TEXT_CHARS);
          throw end.error ?? new ApiError({ status: 502, message, type: 'api_error', code: 'upstream_error' });
        }
        yield chunk as ChatCompletionChunk;
      }
    }
  } finally {
    if (!finished) reader.cancel().catch(() => {});
  }
}

/**
 * The first chunk read ahead (it names the model the way the non-stream answer does, if it came)
 * and every chunk with it again; a failed first read is thrown from the iterator.
 */
export async function readAhead(chunks: AsyncGenerator<ChatCompletionChunk>): Promise<{ model: string | undefined; chunks: AsyncGenerator<ChatCompletionChunk> }> {
  const head = await chunks.next().catch((err: unknown) => ({ err }));
  async function* all(): AsyncGenerator<ChatCompletionChunk> {
    if ('err' in head) throw head.err;
    if (head.done) return;
    yield head.value;
    yield* chunks;
  }
  return { model: 'err' in head || head.done ? undefined : head.value.model, chunks: all() };
}
