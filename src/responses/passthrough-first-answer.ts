import { UpstreamError } from '../errors/api-error';
import { errorInAnswer } from '../providers/shared/error-in-answer';
import { MAX_UPSTREAM_BODY_BYTES } from '../providers/shared/read-capped';
import { SseParser, type SseEvent } from '../providers/shared/sse-parser';
import { providerLabel } from '../providers/provider-catalog';
import type { ProviderId } from '../providers/types';
import { readBody, type OpenedUpstream } from '../proxy/open-upstream';
import type { RequestClock } from '../proxy/request-clock';
import { answerTooLarge, upstreamJsonObject } from '../proxy/upstream-errors';
import { eventFailure } from './stream-failure';

/**
 * What a Responses pass-through try reads before it counts as answered, inside the walk (so a
 * failure here is one more failed try: the breaker counts it, the group's next target is tried,
 * and only when every one failed does the client get the last error): the whole JSON answer, or a
 * stream's first event. Nothing has reached the client yet either way.
 */

/** A whole answer that is a Responses object: its text (relayed as it is) and the parsed JSON. */
export interface PassthroughJson {
  text: string;
  json: any;
}

/**
 * Reads the whole answer. A 2xx that is not a JSON object (a cut body, a proxy's page), not a
 * Responses object (isResponseObject), or that is an error answered with 200 (`{"error"}` without `object`: an OpenAI-compatible server in
 * OpenAI's place may) is a retryable failure, as on chat, never relayed as a response.
 */
export async function readPassthroughJson(up: OpenedUpstream, clock: RequestClock): Promise<PassthroughJson> {
  const text = await readBody(up, clock);
  const json = upstreamJsonObject(up.provider, text);
  if (json.error && json.object === undefined) throw errorInAnswer(up.provider, json.error);
  if (!isResponseObject(json)) throw notResponse(up.provider);
  return { text, json };
}

/**
 * A Responses object: `object: "response"` (OpenAI's and xAI's), or, without `object`, an `output`
 * list. A chat completion, a list or `{}` from a server in the provider's place was relayed as the
 * response (the client's SDK then read no output); it fails the try as a stream without a
 * Responses event does.
 */
const isResponseObject = (json: any): boolean => json.object === 'response' || (json.object === undefined && Array.isArray(json.output));

const notResponse = (provider: ProviderId) =>
  new UpstreamError(provider, null, `Upstream ${providerLabel(provider)} answered with JSON that is not a Responses object.`, true);

/** A stream whose first event came and is a Responses event: the bytes read so far (`head`) go out first. */
export interface PassthroughStream {
  up: OpenedUpstream;
  reader: ReadableStreamDefaultReader<Uint8Array>;
  head: Uint8Array[];
}

/**
 * Reads a stream up to its first event. One that ends before any event, whose first event's data
 * is not a JSON object with a `type` (a page, a JSON body where events were asked for), or that
 * opens with OpenAI's `error` event fails the try (retryable as streamedFailure says: a
 * server-side failure is, one of the request's own is not); its bytes never reach the client.
 */
export async function openPassthroughStream(up: OpenedUpstream, clock: RequestClock): Promise<PassthroughStream> {
  const reader = up.res.body!.getReader();
  const decoder = new TextDecoder();
  const head: Uint8Array[] = [];
  let bytes = 0;
  let first: SseEvent | null = null;
  const parser = new SseParser((e) => void (first ??= e));
  const start = performance.now();
  try {
    while (first === null) {
      up.touch();
      const r = await reader.read();
      if (r.done) {
        parser.end();
        if (first === null) throw noEvent(up.provider, head);
        break;
      }
      head.push(r.value);
      bytes += r.value.length;
      parser.push(decoder.decode(r.value, { stream: true }));
      if (first === null && bytes > MAX_UPSTREAM_BODY_BYTES) throw answerTooLarge(up.provider);
    }
    checkFirstEvent(up.provider, first!);
    return { up, reader, head };
  } catch (err) {
    reader.cancel().catch(() => {});
    up.dispose();
    throw up.failure(err);
  } finally {
    clock.upstreamMs += performance.now() - start;
  }
}

/** The stream ended without one event: an error answered as JSON with 200 says so in its words. */
function noEvent(provider: ProviderId, head: Uint8Array[]): UpstreamError {
  const text = new TextDecoder().decode(Buffer.concat(head));
  try {
    const json = JSON.parse(text);
    if (json?.error) return errorInAnswer(provider, json.error);
  } catch {}
  return notResponsesStream(provider);
}

const notResponsesStream = (provider: ProviderId) =>
  new UpstreamError(provider, null, `Upstream ${providerLabel(provider)} answered a stream with something that is not a Responses event stream.`, true);

function checkFirstEvent(provider: ProviderId, e: SseEvent): void {
  let data: any;
  try {
    data = JSON.parse(e.data);
  } catch {
    throw notResponsesStream(provider);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw notResponsesStream(provider);
  if (data.type === 'error' || e.event === 'error') throw eventFailure(data, provider);
  if (typeof data.type !== 'string') throw data.error ? errorInAnswer(provider, data.error) : notResponsesStream(provider);
}
