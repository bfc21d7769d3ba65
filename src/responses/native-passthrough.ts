import { UpstreamError, type ApiError } from '../errors/api-error';
import { concatBytes } from '../http/concat-bytes';
import type { OpenedUpstream } from '../proxy/open-upstream';
import { bearerJsonPost, joinUrl } from '../providers/shared/upstream-call';
import { SseParser } from '../providers/shared/sse-parser';
import { lastEventEnd } from '../providers/shared/sse-event-end';
import { tallyText } from '../providers/shared/tally-text';
import { providerLabel } from '../providers/provider-catalog';
import type { ProviderId, ProviderSettings, StreamTally, UpstreamCall } from '../providers/types';
import { pullRelay } from '../proxy/pull-relay';
import type { BillExtras, Usage } from '../usage/types';
import { doneToolFees } from '../usage/openai-tool-fees';
import { usageFromResponse } from '../usage/response-usage';
import type { ResponsesRequest } from './responses-types';
import type { PassthroughStream } from './passthrough-first-answer';
import { eventFailure, streamedFailure } from './stream-failure';
import { renameEventIds, renamesResponseIds } from './xai-response-ids';
import { redactKeyInBytes } from '../security/redact-key';

/** The Responses call for a provider with its own Responses API (OpenAI, xAI): the client's body as sent, with the concrete model id. */
export function buildResponsesCall(req: ResponsesRequest, model: string, settings: ProviderSettings): UpstreamCall {
  return bearerJsonPost(settings, '/responses', { ...req, model }, req.stream ? { accept: 'text/event-stream' } : undefined);
}

/**
 * A call on one of a provider's stored responses (OpenAI's or xAI's `/responses/{id}`, OpenAI's
 * input_items and cancel) without a body, with the settings' key: pass the settings of the key that made the response.
 */
export function buildStoredResponseCall(settings: ProviderSettings, method: 'GET' | 'POST' | 'DELETE', path: string): UpstreamCall {
  const headers: Record<string, string> = {};
  if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`;
  return { url: joinUrl(settings.baseUrl, path), method, headers };
}

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);
/** An output item finished: a built-in tool's call billed once done (doneToolFees). */
const ITEM_DONE = 'response.output_item.done';
/** The events whose `delta` is text the client received (audio deltas are base64 and left out). */
const TEXT_DELTAS = new Set([
  'response.output_text.delta', 'response.refusal.delta', 'response.function_call_arguments.delta',
  'response.reasoning_text.delta', 'response.reasoning_summary_text.delta', 'response.custom_tool_call_input.delta',
]);

/** How a relayed Responses stream ended: its usage (from the terminal event), or else the text it delivered, for an estimate. */
export interface ResponsesStreamEnd {
  usage: Usage | null;
  error: ApiError | null;
  responseId?: string | null;
  /** The ids of the response's output items, from its terminal event (none when it never came). */
  outputIds?: string[];
  /** The text deltas relayed (a bounded sample, see tallyText) and their length in all. */
  text: string;
  chars?: number;
  /** What the built-in tools done before a cut bill beside its token estimate (OpenAI's: doneToolFees). */
  billExtras?: BillExtras;
}
/** What doneToolFees reads of a finished item: not an image's base64 result, kept until the stream's end. */
const billedFields = ({ type, status, size, quality, container_id }: any) => ({ type, status, size, quality, container_id });
const encoder = new TextEncoder();
const LINE_ENDS = encoder.encode('\n\n');

/** The ids of a Responses object's output items (an `item_reference` names them). */
export function outputIdsOf(response: unknown): string[] {
  const output = (response as { output?: unknown } | null)?.output;
  if (!Array.isArray(output)) return [];
  return output.map((item) => item?.id).filter((id): id is string => typeof id === 'string' && id !== '');
}

/** An event that is an error body rather than a Responses event: no `type`, an `error` (xAI's `{code, error}`). */
const isErrorBody = (data: any): boolean => data !== null && typeof data === 'object' && data.type === undefined && data.error != null;

/** A Responses stream closed before its terminal event (and without an error event): retryable, as a cut stream is. */
const endedEarly = (provider: ProviderId) =>
  new UpstreamError(provider, null, `Upstream ${providerLabel(provider)} ended the stream before its terminal event.`, true);

/**
 * Relays a Responses SSE stream unmodified (OpenAI's; xAI's re-framed event by event for its
 * response ids, xai-response-ids.ts) (pull-based, so a slow client slows the
 * upstream read) while watching the terminal event for usage and tallying the text deltas, so a
 * stream cut before its terminal event is billed what it delivered, not nothing. A failure after
 * the first byte ends the stream with an `error` event (what OpenAI's SDKs raise), not a dropped socket.
 * `opened`: the stream as openPassthroughStream left it (its first event read, not yet relayed).
 */
export function relayResponsesStream(
  up: OpenedUpstream,
  onEnd: (end: ResponsesStreamEnd) => void,
  /**
   * `onId`: the response's id, as soon as the stream names it (a promise it returns is awaited
   * before the bytes naming the id go out). `atTerminal`: awaited before the
   * bytes holding the terminal event go out (the caller makes its record of the finished response
   * readable by other instances first: the client may act on that event at once).
   */
  hooks: { onId?: (id: string) => Promise<void> | void; atTerminal?: (id: string | null, outputIds: string[]) => Promise<void> } = {},
  opened?: PassthroughStream,
): ReadableStream<Uint8Array> {
  const reader = opened?.reader ?? up.res.body!.getReader();
  /** Bytes read before the relay began (the first event's), relayed first. */
  const head = opened?.head ?? [];
  const decoder = new TextDecoder();
  let usage: Usage | null = null;
  let responseId: string | null = null;
  let outputIds: string[] = [];
  let events = 0;
  /** The terminal event was parsed; `held`: its bytes waited for `hooks.atTerminal`. */
  let terminal = false;
  let held = false;
  /** What onId returned, awaited before the read that named the id is relayed. */
  let idWritten: Promise<void> | void;
  /** The failure the provider reported in the stream (relayed to the client: as it came, or re-framed for xAI). */
  let failed: ApiError | null = null;
  const tally: StreamTally = { usage: null, deliveredText: '', finishReason: null, firstByteAt: null };
  // OpenAI's built-in tools bill beside the tokens (its usage counts none of them), xAI's in its
  // final usage only: the items done so far (and the tools response.created named) bill a stream cut
  // before its terminal event.
  const fees = up.provider === 'openai' || up.provider === 'grok';
  let created: unknown = null;
  const doneItems: unknown[] = [];
  // xAI's response ids are renamed for the client (xai-response-ids.ts): its events go out re-framed,
  // each as it was but for the ids of the response it carries; every other provider's bytes as they came.
  const rename = renamesResponseIds(up.provider);
  let reframed = '';
  /**
   * The upstream's reads not yet relayed (a stream relayed as it came: OpenAI's, not xAI's): only whole events go out, so a stream cut
   * (or an event refused as too large) in the middle of one ends with the error event alone, not with
   * the error joined to the event's first half (which the client would read as one broken event).
   */
  const pending: Uint8Array[] = [];
  /** The stream ended: an event without its blank line after goes out only when its data is whole JSON. */
  let ending = false;
  /** The last event's data was whole JSON, when read (an event at the stream's end may be a cut one). */
  let whole = true;
  /**
   * What goes to the client: the upstream's bytes, and once the provider reported a failure (whose
   * words may echo the gateway's key back) those bytes without the key. Only a failed stream pays.
   */
  const send = (controller: ReadableStreamDefaultController<Uint8Array>, bytes: Uint8Array) =>
    controller.enqueue(failed === null ? bytes : redactKeyInBytes(bytes, up.apiKey));
  const parser = new SseParser((e) => {
    let delta = e.event !== null && TEXT_DELTAS.has(e.event);
    /** The events read for the row (the others go out unread, but for xAI's, each read to be re-framed). */
    const accounted = e.event === null || delta || TERMINAL.has(e.event) || e.event === 'response.created' || e.event === 'error' || (fees && e.event === ITEM_DONE);
    let data: any;
    whole = true;
    if (rename || ending || accounted) {
      try {
        data = JSON.parse(e.data);
      } catch {
        whole = false;
      }
    }
    // The stream ended in the middle of this event (its data cut short): not relayed, not accounted.
    if (ending && !whole) return;
    // An upstream that names no events (data lines alone): its data's type says which it is.
    if (e.event === null && whole) delta = TEXT_DELTAS.has(data?.type);
    events++;
    if (rename) {
      const renamed = whole && renameEventIds(up.provider, data);
      reframed += (e.event !== null ? `event: ${e.event}\n` : '') + (renamed ? `data: ${JSON.stringify(data)}\n` : e.data.split('\n').map((l) => `data: ${l}\n`).join('')) + '\n';
    }
    if (!accounted || !whole) return; // not JSON: nothing to account
    if (data?.type === 'error' || e.event === 'error' || isErrorBody(data)) {
      failed ??= eventFailure(data, up.provider);
      return;
    }
    if (data?.type === 'response.failed') failed ??= streamedFailure(data.response?.error, up.provider);
    if (delta) {
      if (typeof data?.delta === 'string') tallyText(tally, data.delta);
      return;
    }
    if (data?.type === ITEM_DONE) {
      if (fees && data.item) doneItems.push(billedFields(data.item));
      return;
    }
    if (fees && data?.type === 'response.created') created = { tools: data.response?.tools, reasoning: data.response?.reasoning };
    // The id is kept so the client's later GET/DELETE of this response can be checked and forwarded.
    if (typeof data?.response?.id === 'string') {
      if (responseId === null) idWritten = hooks.onId?.(data.response.id);
      responseId = data.response.id;
    }
    if (TERMINAL.has(data?.type)) {
      usage = usageFromResponse(data.response, up.provider) ?? usage;
      outputIds = outputIdsOf(data.response);
      terminal = true;
    }
  });
  return pullRelay(up, reader, {
    async step(controller) {
      // A re-framed stream (xAI's) reads on until a whole event is ready: a pull must hand on something.
      for (;;) {
        const r = head.length > 0 ? { done: false as const, value: head.shift()! } : await reader.read();
        if (r.done) {
          ending = true;
          whole = false;
          parser.end();
          // An event the stream ended without its blank line after, re-framed (whole) only now (xAI's);
          // another provider's (OpenAI's) as it came, with the line ends it lacked (a client drops an event the stream ends inside).
          if (reframed !== '') send(controller, encoder.encode(reframed));
          else if (pending.length > 0 && whole) send(controller, concatBytes([...pending, LINE_ENDS]));
          reframed = '';
          pending.length = 0;
          // Closed before its terminal event, with no failure said: the client's answer is cut short,
          // so it ends with an error event (as a chat stream that ends before it finished does).
          if (!terminal && failed === null) throw endedEarly(up.provider);
          // Its message quotes the provider: mapped (the key redacted) as any failure read from a body is.
          return { error: failed && up.failure(failed) };
        }
        parser.push(decoder.decode(r.value, { stream: true }));
        if (idWritten) {
          await idWritten;
          idWritten = undefined;
        }
        if (terminal && !held && hooks.atTerminal) {
          held = true;
          await hooks.atTerminal(responseId, outputIds);
        }
        if (!rename) {
          // The read ends inside an event: the whole events before it go out, the rest is held until
          // its event is whole (reading on for a read that ends between events would, against an
          // upstream faster than the client, read the answer into memory: sse-event-end.ts).
          const cut = parser.idle() ? r.value.length : lastEventEnd(pending, r.value);
          if (cut < 0) {
            pending.push(r.value);
            up.touch(); // part of an event came: the upstream is not silent
            continue;
          }
          const rest = r.value.subarray(cut);
          pending.push(cut === r.value.length ? r.value : r.value.subarray(0, cut));
          send(controller, pending.length === 1 ? pending[0]! : concatBytes(pending));
          pending.length = 0;
          if (rest.length > 0) pending.push(rest);
          return null;
        }
        if (reframed !== '') {
          send(controller, encoder.encode(reframed));
          reframed = '';
          return null;
        }
        up.touch(); // part of an event came: the upstream is not silent
      }
    },
    errorBytes(e) {
      const payload = { type: 'error', code: e.code, message: e.message, param: null, sequence_number: events };
      return [encoder.encode(`event: error\ndata: ${JSON.stringify(payload)}\n\n`)];
    },
    onEnd: (error) => onEnd({ usage, error, responseId, outputIds, text: tally.deliveredText, chars: tally.deliveredChars, billExtras: doneToolFees(up.provider, created, doneItems) }),
  });
}
