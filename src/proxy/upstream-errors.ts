import { ApiError, UpstreamError } from '../errors/api-error';
import { providerLabel } from '../providers/provider-catalog';
import type { ProviderId } from '../providers/types';
import { MAX_UPSTREAM_BODY_BYTES, readCapped } from '../providers/shared/read-capped';
import { EventTooLong } from '../providers/shared/sse-parser';
import { ClassifierTimeout } from '../routing/classifier-strategy';
import { UpstreamRedirectError } from './upstream-redirect';
import { outOfDescriptors } from '../http/out-of-descriptors';
import { isDescriptorCode } from '../runtime/descriptors';
import { parseContextOverflow } from '../errors/context-overflow';
import { redactSecrets, upstreamFailure } from '../providers/upstream-failure';

/** Why the gateway aborted an upstream call (the abort reason tells errors apart). */
export class GatewayAbort extends Error {
  /**
   * 'stalled': the client took nothing of a stream for the idle timeout (it stopped reading);
   * 'shutdown': the gateway was told to stop a second time (UpstreamSlots.cutAll).
   */
  constructor(readonly kind: 'client' | 'timeout' | 'idle' | 'stalled' | 'shutdown') {
    super(`aborted: ${kind}`);
  }
}

/** The client went away; nobody reads this answer, but the log row says what happened. */
export const clientClosed = () =>
  new ApiError({ status: 499, message: 'The client closed the request.', type: 'invalid_request_error', code: 'client_closed_request' });

/**
 * The client read nothing of a stream for the idle timeout (TCP backpressure): the gateway drops
 * the connection (as nginx's send_timeout does) so the upstream call, its slot and the key's
 * limits are not held for a reader that may never come back. The client's failure, not the upstream's.
 */
export const clientStalled = (s: number, what = 'the stream') =>
  new ApiError({
    status: 499,
    message: `The client read nothing of ${what} for ${s} s (LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S); the connection was closed.`,
    type: 'invalid_request_error',
    code: 'client_read_timeout',
  });

/**
 * The gateway was signalled to stop a second time while the request was in flight: its upstream
 * call is ended and the client told so (a stream ends with this as its error event, not a cut
 * socket); nothing of the upstream's is blamed. A call already sent is billed as a client's leaving is.
 */
export const shuttingDown = () =>
  new ApiError({
    status: 503,
    message: 'The gateway is shutting down and ended this request; retry it.',
    type: 'server_error',
    code: 'shutting_down',
    headers: { 'retry-after': '1' },
  });

/**
 * A classifier call the routing gave up on at its group's `timeout_ms` (the heuristic decided):
 * its row says so, rather than 499 client_closed_request, and it is no failure of the upstream's
 * (no breaker count), since that timeout is far shorter than the upstream's own.
 */
export const classifierTimedOut = (t: ClassifierTimeout) =>
  new ApiError({
    status: 504,
    message: `The classifier did not answer within its group's timeout_ms (${t.timeoutMs} ms); the heuristic decided.`,
    type: 'api_error',
    code: 'classifier_timeout',
  });

/**
 * The caller stopped waiting for an answer (the client left, 499; routing gave up on its classifier
 * at `timeout_ms`, 504 classifier_timeout; the gateway cut it to stop, 503 shutting_down): a call already sent was the provider's to bill all the
 * same (it had the prompt), so its row bills the estimate, whoever stopped waiting.
 */
export const callerStoppedWaiting = (e: ApiError) => e.status === 499 || e.code === 'classifier_timeout' || e.code === 'shutting_down';

/** Why an upstream call is aborted when its caller's signal fires: the client left, or a classifier's time ran out. */
export const callerAbort = (signal: AbortSignal): GatewayAbort | ClassifierTimeout =>
  signal.reason instanceof ClassifierTimeout ? signal.reason : new GatewayAbort('client');


/**
 * A 2xx JSON answer that is not an object (`null`, an array, a number): no adapter can read a
 * completion (or images) out of it. Retryable, as a broken answer is: the group's next target may do better.
 */
export function notAnObject(provider: ProviderId, value: unknown, what = 'a completion object'): UpstreamError {
  const kind = value === null ? 'JSON null' : Array.isArray(value) ? 'a JSON array' : `a JSON ${typeof value}`;
  return new UpstreamError(provider, null, `Upstream ${providerLabel(provider)} answered with ${kind}, not ${what}.`, true);
}

/**
 * A 2xx answer that is not JSON at all (an HTML page from a proxy in front of the provider, a cut
 * body). Retryable, as a broken answer is: the group falls back and the breaker counts it.
 */
export function notJson(provider: ProviderId): UpstreamError {
  return new UpstreamError(provider, null, `Upstream ${providerLabel(provider)} answered with something that is not JSON.`, true);
}

/**
 * A 2xx answer's JSON object. One that is not a JSON object (a proxy's page, a cut body, `null`, a
 * list) is the provider's broken answer (notJson), never relayed for the client's SDK to fail on.
 */
export function upstreamJsonObject(provider: ProviderId, text: string): Record<string, any> {
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {}
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw notJson(provider);
  return json as Record<string, any>;
}

/**
 * A stream request answered 2xx with no event stream (an HTML page of whatever the base URL names
 * by mistake, a relay that answers JSON whatever `stream` says), seen once it gave no chunk: told
 * as such, not as a stream cut short, so an operator looks at the base URL rather than the network.
 * Any other failure (or a body that claimed to be an event stream) is returned as it was.
 */
export function notEventStream(provider: ProviderId, contentType: string | null, err: unknown): unknown {
  if (!(err instanceof UpstreamError) || err.upstreamStatus !== null || !contentType || contentType.includes('event-stream')) return err;
  const type = contentType.split(';')[0]!.trim();
  return new UpstreamError(provider, null, `Upstream ${providerLabel(provider)} answered a stream request with ${type}, not an event stream (text/event-stream): is its base URL right?`, true);
}

/** The first `max` bytes of an error body as text; the rest is not read (an error page may never end). */
async function readErrorText(res: Response, max: number): Promise<string> {
  return new TextDecoder().decode((await readCapped(res.body, max)).bytes);
}

/** A 2xx answer larger than MAX_UPSTREAM_BODY_BYTES: not read to its end. Retryable, as a broken answer is. */
export const answerTooLarge = (provider: ProviderId) =>
  new UpstreamError(
    provider,
    null,
    `Upstream ${providerLabel(provider)} sent an answer larger than ${MAX_UPSTREAM_BODY_BYTES / 1024 / 1024} MiB; it was not read to its end.`,
    true,
  );

/** Upstream answered with an error status: 4xx is passed through (401/403, and Google's and xAI's refused key, become 502), 5xx becomes 502. */
export async function errorFromUpstreamResponse(provider: ProviderId, res: Response, apiKey?: string): Promise<UpstreamError> {
  if (res.status >= 300 && res.status < 400) {
    // Calls go out with redirect: 'manual'; a 3xx is an upstream error (see upstream-redirect.ts).
    await res.body?.cancel().catch(() => {});
    const location = redactSecrets((res.headers.get('location') ?? '(none)').slice(0, 500), apiKey);
    return new UpstreamRedirectError(provider, res.status, location);
  }
  const text = await readErrorText(res, 16_384).catch(() => '');
  return upstreamFailure(provider, { status: res.status, statusText: res.statusText, text, headers: res.headers }, apiKey);
}

/**
 * OpenAI's 400 for a parameter the model does not take (its reasoning models refuse `stop`,
 * penalties, logprobs: `unsupported_parameter`; a temperature other than 1: `unsupported_value`).
 * The request is fine for other models, so a group goes on to its next target, as it does when
 * the gateway itself refuses a parameter before the call (walk-targets.ts).
 */
export function isParameterRefusal(e: UpstreamError): boolean {
  return e.upstreamStatus === 400 && (e.code === 'unsupported_parameter' || e.code === 'unsupported_value');
}

/**
 * A 400 the target gives for its own limits, not the request's fault: a parameter its model does not
 * take, a prompt over its context window (a group's next target may have a larger one),
 * embeddings asked of a model without them (embeddings/openai-embeddings.ts), or chat asked of an
 * Ollama embedding model (ollama/ollama-refusals.ts). A group
 * goes on to its next target; when none takes the request, the first such 400 is answered.
 */
export function isTargetRefusal(e: UpstreamError): boolean {
  if (e.upstreamStatus === 400 && (e.code === 'embeddings_not_supported' || e.code === 'model_not_supported')) return true;
  return isParameterRefusal(e) || (e.upstreamStatus === 400 && parseContextOverflow(e.message, e.code) !== null);
}

export interface FailureContext {
  provider: ProviderId;
  signal: AbortSignal;
  timeoutS: number;
  idleTimeoutS: number;
  apiKey?: string;
}

/**
 * Anything thrown while calling or reading an upstream -> the error the client gets. `afterHead`:
 * the failure came while reading a body whose headers had arrived (the upstream was reached).
 */
export function mapUpstreamFailure(err: unknown, f: FailureContext, afterHead = false): ApiError {
  const reason = f.signal.aborted ? f.signal.reason : null;
  if (reason instanceof ClassifierTimeout) return classifierTimedOut(reason);
  if (reason instanceof GatewayAbort) {
    if (reason.kind === 'client') return clientClosed();
    if (reason.kind === 'stalled') return clientStalled(f.idleTimeoutS);
    if (reason.kind === 'shutdown') return shuttingDown();
    const message =
      reason.kind === 'timeout'
        ? // The setting is named: an operator's first 504 is often a local model still loading (Ollama sends nothing until it has).
          `Upstream ${providerLabel(f.provider)} did not answer within ${f.timeoutS} s (LLM_PROXY__UPSTREAM__TIMEOUT_S).`
        : `Upstream ${providerLabel(f.provider)} sent nothing for ${f.idleTimeoutS} s (LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S); the stream was ended.`;
    return new UpstreamError(f.provider, null, message, true, 504, 'upstream_timeout');
  }
  if (err instanceof ApiError) {
    // Errors raised while reading (e.g. an error event inside a stream) quote the upstream too.
    const clean = redactSecrets(err.message, f.apiKey);
    if (clean !== err.message) err.message = clean;
    return err;
  }
  // The gateway cut the stream, not the network: the upstream's failure, as an answer too large is.
  if (err instanceof EventTooLong)
    return new UpstreamError(f.provider, null, `Upstream ${providerLabel(f.provider)} sent an SSE event longer than ${err.maxChars} characters (${err.maxChars / 1024 / 1024} Mi); it was not read to its end.`, true);
  const code = (err as { code?: unknown } | null)?.code;
  // The gateway's own descriptors ran out (its open-file limit), not the upstream's fault: no
  // breaker failure, no key blamed, no next target (each would need a descriptor too).
  if (!afterHead && isDescriptorCode(code)) return outOfDescriptors(code, `upstream ${providerLabel(f.provider)}`);
  const detail = redactSecrets(String(code ?? (err as any)?.message ?? err), f.apiKey);
  const message = afterHead ? `Upstream ${providerLabel(f.provider)} broke off its answer: ${detail}` : `Could not reach upstream ${providerLabel(f.provider)}: ${detail}`;
  return new UpstreamError(f.provider, null, message, true, 502, 'upstream_unreachable');
}
