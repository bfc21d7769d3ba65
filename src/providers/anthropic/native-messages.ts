import { badRequest, UpstreamError } from '../../errors/api-error';
import { anthropicUsageMerger } from '../../usage/anthropic-usage';
import { SseParser } from '../shared/sse-parser';
import { tallyText } from '../shared/tally-text';
import type { AdapterDeps, ChatCallContext, ProviderSettings, StreamTally, UpstreamCall } from '../types';
import { streamError } from './anthropic-error';
import { dropUnsignedThinking } from './unsigned-thinking';
import { redactKeyInBytes } from '../../security/redact-key';
import { anthropicImageType } from './image-media-type';
import { MessageStartNamer } from './answer-model';
import { concatBytes } from '../../http/concat-bytes';
import { lastEventEnd } from '../shared/sse-event-end';
import { billedWebSearch, compactionText } from './server-side-steps';

const LINE_ENDS = new TextEncoder().encode('\n\n');

/**
 * The longest the opening message_start and pings are held back (nativeMessagesTransformer): past
 * it the next read goes out, so a client waiting on a stream that has started is not left silent
 * (the ping interval of the translated path, message-event-stream.ts).
 */
const OPENING_HOLD_MS = 10_000;

/** The API version sent when the client named none (Anthropic's only stable one). */
const DEFAULT_VERSION = '2023-06-01';

/**
 * Errors whose `event: error` already reached the client as Anthropic wrote it: the relay ends
 * the stream without adding its own error event (see ChatRunOptions.streamErrorBytes).
 */
const relayed = new WeakSet<object>();
export const alreadyRelayed = (err: unknown): boolean => typeof err === 'object' && err !== null && relayed.has(err);

/**
 * A Messages request passed through to Anthropic as the client sent it (POST /v1/messages or
 * /v1/messages/count_tokens): the body unchanged but for `model` (the route's upstream id),
 * remote images (inlineRemoteImages) and thinking blocks Anthropic did not sign (the gateway's
 * translations of other providers' reasoning: unsigned-thinking.ts), so `cache_control`, signed
 * thinking, server tools and betas reach Anthropic untouched. The client's `anthropic-version`
 * and `anthropic-beta` headers go along; the key is the pool's.
 */
export function nativeMessagesCall(body: unknown, model: string, settings: ProviderSettings, defaultBase: string, clientHeaders: Readonly<Record<string, string>> = {}, path = '/v1/messages'): UpstreamCall {
  const base = (settings.baseUrl || defaultBase).replace(/\/+$/, '');
  const headers: Record<string, string> = { 'content-type': 'application/json', 'anthropic-version': clientHeaders['anthropic-version'] || DEFAULT_VERSION };
  if (settings.apiKey) headers['x-api-key'] = settings.apiKey;
  if (clientHeaders['anthropic-beta']) headers['anthropic-beta'] = clientHeaders['anthropic-beta'];
  return { url: `${base}${path}`, method: 'POST', headers, body: JSON.stringify({ ...(dropUnsignedThinking(body) as object), model }) };
}

/** A stream that ended without message_stop (a failure worth the next target). */
const incomplete = () => new UpstreamError('anthropic', null, 'Anthropic (anthropic) stream ended before the message was complete.', true);

/**
 * Anthropic's SSE passed through byte for byte (the client gets Anthropic's exact event stream,
 * pings included) while usage is read from message_start and message_delta (merged, later
 * values winning) and the delivered text kept for the log. One change: when the client named
 * the model otherwise than the id sent to Anthropic (a group, `anthropic/…`, an alias),
 * message_start's `message.model` is the client's name (answer-model.ts); once it went out the
 * reads pass through untouched.
 *
 * The opening message_start and pings are held back until the answer says something (the first
 * event of another kind: content_block_start, message_delta, message_stop), or for at most
 * OPENING_HOLD_MS: Anthropic's 200, message_start, a ping, then `event: error` (overloaded_error),
 * each in its own read, is then a failure before anything was sent, as the same error sent as an
 * HTTP status would be (a group's next target; a model named directly answers that status, 529
 * for an overload). A stream that ends while they are held is such a failure too. Anthropic sends
 * content_block_start right after message_start, so the client's first byte waits on nothing
 * more; once the hold ends each read goes out as it came. An `error` event after the first bytes
 * goes out as it came, then throws the UpstreamError that ends the relay, counts against the
 * breaker and is logged.
 */
export function nativeMessagesTransformer(ctx: ChatCallContext, tally: StreamTally): Transformer<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const mergedUsage = anthropicUsageMerger();
  let stopped = false;
  let failure: UpstreamError | null = null;
  /** Web searches whose results came: billed by Anthropic even if the stream is cut before message_delta counts them. */
  let searches = 0;
  const mergeUsage = (u: unknown) => {
    if (u && typeof u === 'object') tally.usage = mergedUsage(u);
  };
  /** message_start and pings only so far: held back (see above). */
  let opening = true;
  const onEvent = (data: string) => {
    whole = false;
    if (failure || data.trim() === '') return;
    let e: any;
    try {
      e = JSON.parse(data);
    } catch {
      opening = false;
      return; // passed on as it came; the client's SDK judges it
    }
    whole = true;
    switch (e?.type) {
      case 'message_start':
        mergeUsage(e.message?.usage);
        // Its output_tokens is a placeholder until message_delta's count arrives.
        if (tally.usage) tally.outputPending = true;
        return;
      case 'ping':
        return;
      case 'content_block_start':
        if (billedWebSearch(e.content_block)) tally.billExtras = { ...tally.billExtras, webSearches: ++searches };
        if (e.content_block?.type === 'compaction') tally.compaction = compactionText(tally.compaction, e.content_block.content);
        break;
      case 'content_block_delta': {
        const d = e.delta;
        if (d?.type === 'compaction_delta') tally.compaction = compactionText(tally.compaction, d.content);
        const text = d?.text ?? d?.thinking ?? d?.partial_json;
        if (typeof text === 'string') tallyText(tally, text);
        break;
      }
      case 'message_delta':
        if (typeof e.delta?.stop_reason === 'string') tally.finishReason = e.delta.stop_reason;
        mergeUsage(e.usage);
        if (typeof e.usage?.output_tokens === 'number') tally.outputPending = false;
        break;
      case 'message_stop':
        stopped = true;
        break;
      case 'error':
        failure = streamError(data, ctx.apiKey);
        return;
    }
    opening = false;
  };
  const parser = new SseParser((e) => onEvent(e.data));
  /** Bytes went to the client: from then on a failure is relayed as Anthropic wrote it. */
  let sent = false;
  /**
   * The reads of an event not yet whole, held until it is: a stream cut inside one ends with the
   * relay's error event alone, not glued to the event's first half (which the SDK fails to parse).
   */
  const pending: Uint8Array[] = [];
  /** The last event read was JSON (at the end: whether a last event without its blank line is whole). */
  let whole = false;
  const asked = (ctx.nativeMessages as { model?: unknown } | undefined)?.model;
  let namer = typeof asked === 'string' && asked !== ctx.model ? new MessageStartNamer(asked) : null;
  const fail = (err: UpstreamError) => {
    if (sent) relayed.add(err);
    return err;
  };
  return {
    transform(chunk, controller) {
      tally.firstByteAt ??= performance.now();
      parser.push(decoder.decode(chunk, { stream: true }));
      if (opening && performance.now() - tally.firstByteAt >= OPENING_HOLD_MS) opening = false;
      // An error before anything went out (Anthropic's 200 then `event: error` overloaded_error)
      // is a clean failure, as an HTTP error would be: a group goes on to its next target, and a
      // model named directly answers it as an HTTP error (529 for overloaded), which SDKs retry.
      if (failure && !sent) throw failure;
      let out = chunk;
      if (namer) {
        out = namer.take(chunk);
        if (namer.done) namer = null;
      }
      // The read ends inside an event: the whole events before it go out, the rest is held until its
      // event is whole (waiting for a read that ends between events would, against an upstream
      // faster than the client, read the answer into memory: sse-event-end.ts).
      let rest: Uint8Array | null = null;
      if (!failure && (opening || !parser.idle())) {
        const cut = opening ? -1 : lastEventEnd(pending, out);
        if (cut < 0) {
          if (out.byteLength > 0) pending.push(out);
          return;
        }
        rest = out.subarray(cut);
        out = out.subarray(0, cut);
      }
      if (pending.length > 0) out = concatBytes([...pending.splice(0), out]);
      if (rest && rest.byteLength > 0) pending.push(rest);
      // Anthropic's error event goes out as it came, but for the gateway's key should it quote it.
      if (out.byteLength > 0) {
        controller.enqueue(failure ? redactKeyInBytes(out, ctx.apiKey) : out);
        sent = true;
      }
      if (failure) throw fail(failure);
    },
    flush(controller) {
      parser.push(decoder.decode());
      const cut = !parser.idle();
      whole = false;
      parser.end();
      const held = namer?.rest();
      if (held) pending.push(held);
      // A last event the stream ended inside goes out only when whole, with the blank line it lacked.
      if (cut && whole) pending.push(LINE_ENDS);
      else if (cut) pending.length = 0;
      // Ended while message_start and pings were held (or with only an error): nothing went out, a clean failure.
      if (!sent && (failure || !stopped)) throw failure ?? incomplete();
      const rest = concatBytes(pending);
      if (rest.byteLength > 0) {
        controller.enqueue(failure ? redactKeyInBytes(rest, ctx.apiKey) : rest);
        sent = true;
      }
      if (failure) throw fail(failure);
      if (!stopped) throw incomplete();
    },
  };
}

/**
 * The one change a native body may get: image blocks with a URL source (in messages and inside
 * tool results) are downloaded by the gateway under its image-URL guard and sent inline, as on
 * the translated path, so Anthropic never fetches a URL on a client's behalf and the guard applies
 * to every provider alike. A body without such blocks is returned as it is (same object).
 */
export async function inlineRemoteImages(body: unknown, deps: AdapterDeps): Promise<unknown> {
  const messages = (body as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages)) return body;
  const remote = (b: any) => b?.type === 'image' && b.source?.type === 'url' && typeof b.source.url === 'string';
  const hasRemote = (content: unknown): boolean =>
    Array.isArray(content) && content.some((b: any) => remote(b) || (b?.type === 'tool_result' && hasRemote(b.content)));
  if (!messages.some((m: any) => hasRemote(m?.content))) return body;
  const inline = async (content: any[], path: string): Promise<any[]> =>
    Promise.all(
      content.map(async (b: any, j) => {
        if (b?.type === 'tool_result' && hasRemote(b.content)) return { ...b, content: await inline(b.content, `${path}.${j}.content`) };
        if (!remote(b)) return b;
        const img = await deps.fetchImage(b.source.url);
        // The server's content-type may name the wrong format (or image/jpg): the bytes decide (image-media-type.ts).
        const mediaType = anthropicImageType(img.mimeType, img.base64);
        if (!mediaType) {
          throw badRequest(`Anthropic accepts JPEG, PNG, GIF and WebP images, not '${img.mimeType}'.`, `${path}.${j}.source.url`, 'invalid_image_format');
        }
        return { ...b, source: { type: 'base64', media_type: mediaType, data: img.base64 } };
      }),
    );
  const out = await Promise.all(
    messages.map(async (m: any, i) => (hasRemote(m?.content) ? { ...m, content: await inline(m.content, `messages.${i}.content`) } : m)),
  );
  return { ...(body as object), messages: out };
}
