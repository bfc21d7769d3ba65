import { ApiError, UpstreamError, isRetryableStatus, type AnthropicErrorObject } from '../errors/api-error';
import { providerLabel } from '../providers/provider-catalog';
import type { ProviderId } from '../providers/types';
import { MAX_UPSTREAM_BODY_BYTES, readCapped } from '../providers/shared/read-capped';
import { ClassifierTimeout } from '../routing/classifier-strategy';
import { redactKeyForms } from '../security/redact-key';
import { UpstreamRedirectError } from './upstream-redirect';
import { impliedRetryAfter, retryAfterMsHeader } from '../key-pool/retry-after';
import { parseContextOverflow } from '../errors/context-overflow';
import { readErrorBody } from '../providers/error-body';

/** Why the gateway aborted an upstream call (the abort reason tells errors apart). */
export class GatewayAbort extends Error {
  /** 'stalled': the client took nothing of a stream for the idle timeout (it stopped reading). */
  constructor(readonly kind: 'client' | 'timeout' | 'idle' | 'stalled') {
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

/** Removes anything that looks like a key before an upstream's words reach a client or a log. */
export function redactSecrets(text: string, apiKey?: string): string {
  // The key as it is and re-encoded (other case, spaced out, base64): see security/redact-key.ts.
  let out = redactKeyForms(text, apiKey);
  out = out.replace(/\b(sk|xai|gsk|ms)-[A-Za-z0-9*_\-.]{6,}/g, '$1-[redacted]');
  return out.replace(/AIza[0-9A-Za-z_\-]{10,}/g, '[redacted]');
}

/**
 * A 404 that says the model does not exist, in each provider's words, so the client gets OpenAI's
 * own code for it (`model_not_found`): OpenAI's code itself; Anthropic's not_found_error
 * "model: <id>"; Gemini's NOT_FOUND "models/<id> is not found for API version v1beta, ...";
 * Ollama's "model \"<id>\" not found, try pulling it first". Any other 404 (a wrong path) is not.
 */
export function isModelNotFound(status: number, code: string | undefined, message: string): boolean {
  if (status !== 404) return false;
  if (code === 'model_not_found') return true;
  if (code === 'not_found_error') return /^model:/i.test(message);
  // The message must start by naming the model: a 404 page for a wrong path can mention the URL's
  // `models/...` and "was not found" too.
  return /^(the )?models?\b.*\b(not found|does not exist)\b/i.test(message);
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
  const { code, param, outOfCredit, retryAfter: bodyRetryAfter, keyInvalid, regionRefused, contentRefused, overloaded, anthropic, ...body } = readErrorBody(provider, res.status, text);
  let message = body.message;
  // An upstream's message is its text; anything else is shown as its JSON (String() of an object
  // with its own toString key threw: the error was told as "could not reach upstream").
  if (typeof message !== 'string') message = JSON.stringify(message) ?? text;
  const detail = redactSecrets((message as string).slice(0, 1000), apiKey).trim() || res.statusText || 'no details';
  const headers: Record<string, string> = {};
  const retryAfter = res.headers.get('retry-after') ?? bodyRetryAfter ?? impliedRetryAfter(res.headers);
  // A 503's retry-after is how long the provider expects to be unavailable (RFC 9110): passed on as
  // a 429's is, so an SDK that retries the gateway's 502 (or Anthropic's 529) waits that long
  // instead of its own short backoff, which would spend its retries while the provider is still down.
  // Anthropic's own 529 (overloaded, its 503) likewise.
  if (retryAfter && (res.status === 429 || res.status === 503 || res.status === 529)) {
    headers['retry-after'] = retryAfter;
    // The exact wait, when the provider gave one (OpenAI, Azure): the OpenAI and Anthropic SDKs
    // read it before `retry-after`, whose whole seconds would make a 20 ms wait a 1 s one.
    const exactMs = retryAfterMsHeader(res.headers.get('retry-after-ms'));
    if (exactMs !== null) headers['retry-after-ms'] = String(Math.ceil(exactMs));
  }
  // The provider's own word on whether a retry can help (Anthropic and OpenAI send it; their SDKs
  // obey it over the status): a 5xx Anthropic marked `x-should-retry: false` is not retried.
  const shouldRetry = res.headers.get('x-should-retry');
  if (shouldRetry === 'true' || shouldRetry === 'false') headers['x-should-retry'] = shouldRetry;
  // A provider refusing the gateway's own key is the operator's problem, not the client's: passing
  // 401/403 through would make SDKs report "your API key is wrong" to a client whose key is fine.
  // As a 502 the SDKs would retry it (Claude Code up to 10 times, each retry calling the provider
  // with the refused key again), though the walk already tried every key it had: `x-should-retry:
  // false`, as the 401 itself would have been, which the OpenAI and Anthropic SDKs obey.
  // xAI's team out of credit answered 403 is not a refused key: it rests as a 402 does (below).
  if ((res.status === 401 || res.status === 403 || keyInvalid) && !outOfCredit && !contentRefused) {
    const refused = new UpstreamError(
      provider,
      // Google's and xAI's 400 for a refused key is the 401 it means: the key pool sets the key aside.
      keyInvalid ? 401 : res.status,
      `Upstream ${providerLabel(provider)} rejected the gateway's provider credentials (HTTP ${res.status}): ${detail}`,
      false,
      502,
      'upstream_auth_failed',
      { 'x-should-retry': 'false' },
    );
    // The key pool tells a refusal of one model (set aside for that model) from a refused key.
    refused.upstreamCode = code;
    return refused;
  }
  // Google refusing the gateway's location (or its free tier there) is the operator's to fix too:
  // a 502 no SDK retries, and a group goes on to its next target (retryable for the walk).
  if (regionRefused)
    return new UpstreamError(provider, res.status, `Upstream ${providerLabel(provider)} refuses requests from where the gateway runs (HTTP 400): ${detail}`, true, 502, 'upstream_region_refused', { 'x-should-retry': 'false' });
  // An account out of credit (a 402, or a 429 or 403 saying so: error-body.ts) gets OpenAI's words
  // for that; a 402's status stays (Anthropic's clients get billing_error).
  // A 429 is a rate limit whatever the provider calls it (Gemini: RESOURCE_EXHAUSTED, a number as
  // its code; Anthropic: rate_limit_error): OpenAI's code, unless it is an account out of credit,
  // which the SDKs are told not to retry (the key pool rests the key as for a 402).
  if (outOfCredit) headers['x-should-retry'] = 'false';
  // An overload said with a 429 is a 503: a 502 to the client (Anthropic's 529 overloaded_error on
  // /v1/messages), the breaker counts it, and no key rests for it (nor is the client told to wait as long).
  // Anthropic's 400 "Your credit balance is too low" is the 402 it means: the key rests as for a
  // 402 (the walk tries the next key, then the group's next target) and the client is not told its
  // request was invalid.
  const status = overloaded ? 503 : outOfCredit && res.status === 400 ? 402 : res.status;
  // A content refusal is OpenAI's code for one (its images'), in place of a provider's own word.
  const relayed = outOfCredit
    ? 'insufficient_quota'
    : contentRefused
      ? 'content_policy_violation'
      : status === 429
        ? 'rate_limit_exceeded'
        : isModelNotFound(res.status, code, message as string)
          ? 'model_not_found'
          : // Anthropic's own cause (`details.error_code`: ramp_limit_exceeded, cmek_key_disabled…) over its broad type.
            (anthropic?.details?.error_code ?? code ?? 'upstream_error');
  const failure = new UpstreamError(
    provider,
    // xAI's 403 content refusal is the 400 it means: the key pool leaves the key alone.
    contentRefused ? 400 : status,
    `Upstream ${providerLabel(provider)} returned HTTP ${res.status}: ${detail}`,
    isRetryableStatus(res.status),
    // xAI's 403 for a team out of credit: the client is told 402, as DeepSeek's "Insufficient
    // Balance" (Anthropic's billing_error), not 403, which SDKs read as a permission refused.
    outOfCredit && res.status === 403 ? 402 : undefined,
    relayed,
    headers,
    param,
  );
  if (anthropic) failure.anthropicError = redactedAnthropicError(anthropic, detail, apiKey);
  return failure;
}

/** Anthropic's error object with its message as the gateway quotes it (`detail`: keys redacted), and its details redacted too. */
function redactedAnthropicError(e: AnthropicErrorObject, detail: string, apiKey?: string): AnthropicErrorObject {
  if (!e.details) return { type: e.type, message: detail };
  const details = JSON.stringify(e.details);
  const clean = redactSecrets(details, apiKey);
  // Details are a few names and ids; a large or altered object is left out rather than cut.
  return clean === details && details.length <= 2048 ? { type: e.type, message: detail, details: e.details } : { type: e.type, message: detail };
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
 * take, or a prompt over its context window (a group's next target may have a larger one). A group
 * goes on to its next target; when none takes the request, the first such 400 is answered.
 */
export function isTargetRefusal(e: UpstreamError): boolean {
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
  const detail = redactSecrets(String((err as any)?.code ?? (err as any)?.message ?? err), f.apiKey);
  const message = afterHead ? `Upstream ${providerLabel(f.provider)} broke off its answer: ${detail}` : `Could not reach upstream ${providerLabel(f.provider)}: ${detail}`;
  return new UpstreamError(f.provider, null, message, true, 502, 'upstream_unreachable');
}
