import { UpstreamError, isRetryableStatus, type AnthropicErrorObject } from '../errors/api-error';
import { messageWaitMs, resetWaitMs, retryAfterMsHeader } from '../key-pool/retry-after';
import { redactKeyForms } from '../security/redact-key';
import { readErrorBody } from './error-body';
import { parseContextOverflow } from '../errors/context-overflow';
import { providerLabel } from './provider-catalog';
import type { ProviderId } from './types';

/**
 * An upstream's error -> the UpstreamError the gateway answers and logs, whether it came as an
 * HTTP error (proxy/upstream-errors.ts errorFromUpstreamResponse) or as an error event that opens a
 * 200 stream (Anthropic's `event: error` before message_start: anthropic/anthropic-error.ts), so
 * both get the same status, code, headers, key-pool and fallback treatment, and Anthropic's own
 * error object for a client speaking Anthropic.
 */

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
 * Ollama's "model \"<id>\" not found, try pulling it first"; Moonshot's resource_not_found_error
 * "Not found the model <id> or Permission denied". Any other 404 (a wrong path) is not.
 */
export function isModelNotFound(status: number, code: string | undefined, message: string): boolean {
  if (status !== 404) return false;
  if (code === 'model_not_found') return true;
  if (code === 'not_found_error') return /^model:/i.test(message);
  // The message must start by naming the model: a 404 page for a wrong path can mention the URL's
  // `models/...` and "was not found" too.
  return /^(the )?models?\b.*\b(not found|does not exist)\b/i.test(message) || /^not found the model\b/i.test(message);
}

/** An upstream's error as read: the status it is (or, for a stream's error event, stands for), its body and the answer's headers. */
export interface UpstreamFailureInput {
  status: number;
  /** The error body (the first 16 KB), or a stream's error event's data. */
  text: string;
  headers: Headers;
  statusText?: string;
  /** The gateway's message from the upstream's words (keys redacted); default "Upstream X returned HTTP n: …". */
  message?: (detail: string) => string;
}

/**
 * An upstream's error in the gateway's terms: 4xx is passed through (401/403, and Google's and
 * xAI's refused key, become 502), 5xx becomes 502; the provider's own code, wait and retry advice kept.
 */
export function upstreamFailure(provider: ProviderId, input: UpstreamFailureInput, apiKey?: string): UpstreamError {
  const { code, param, outOfCredit, retryAfter: bodyRetryAfter, regionRefused, contentRefused, overloaded, anthropic, means, ...body } = readErrorBody(provider, input.status, input.text);
  // The status the body says it means (xAI's 410 for Live Search a 400, a 400 refusing the key a
  // 401: error-body.ts ErrorBody.means); the messages quote the one sent.
  const status = means ?? input.status;
  let message = body.message;
  // An upstream's message is its text; anything else is shown as its JSON (String() of an object
  // with its own toString key threw: the error was told as "could not reach upstream").
  if (typeof message !== 'string') message = JSON.stringify(message) ?? input.text;
  const detail = redactSecrets((message as string).slice(0, 1000), apiKey).trim() || input.statusText || 'no details';
  const headers: Record<string, string> = {};
  const given = input.headers.get('retry-after') ?? bodyRetryAfter;
  // The exact wait (OpenAI, Azure: `retry-after-ms`), else one OpenAI's limit headers name when no
  // `retry-after` came: the OpenAI and Anthropic SDKs read it before `retry-after`, whose whole
  // seconds would make a 20 ms wait a 1 s one, and so does the key pool. 0 is "at once", kept.
  // Last, a 429's own words (OpenAI's "Please try again in 958ms.", Moonshot's "please try again after 1 seconds").
  const exactMs =
    retryAfterMsHeader(input.headers.get('retry-after-ms')) ??
    (given === null ? (resetWaitMs(input.headers) ?? (status === 429 && !outOfCredit ? messageWaitMs(message as string) : null)) : null);
  const retryAfter = given ?? (exactMs === null ? null : String(Math.ceil(exactMs / 1000)));
  // A 503's retry-after is how long the provider expects to be unavailable (RFC 9110): passed on as
  // a 429's is, so an SDK that retries the gateway's 502 (or Anthropic's 529) waits that long
  // instead of its own short backoff, which would spend its retries while the provider is still down.
  // Anthropic's own 529 (overloaded, its 503) likewise.
  if (retryAfter && (status === 429 || status === 503 || status === 529)) {
    headers['retry-after'] = retryAfter;
    if (exactMs !== null) headers['retry-after-ms'] = String(Math.ceil(exactMs));
  }
  // The provider's own word on whether a retry can help (Anthropic and OpenAI send it; their SDKs
  // obey it over the status): a 5xx Anthropic marked `x-should-retry: false` is not retried.
  const shouldRetry = input.headers.get('x-should-retry');
  if (shouldRetry === 'true' || shouldRetry === 'false') headers['x-should-retry'] = shouldRetry;
  // A provider refusing the gateway's own key is the operator's problem, not the client's: passing
  // 401/403 through would make SDKs report "your API key is wrong" to a client whose key is fine.
  // As a 502 the SDKs would retry it (Claude Code up to 10 times, each retry calling the provider
  // with the refused key again), though the walk already tried every key it had: `x-should-retry:
  // false`, as the 401 itself would have been, which the OpenAI and Anthropic SDKs obey.
  // xAI's team out of credit answered 403 is not a refused key: it rests as a 402 does (below).
  if ((status === 401 || status === 403) && !outOfCredit && !contentRefused) {
    const refused = new UpstreamError(
      provider,
      status,
      `Upstream ${providerLabel(provider)} rejected the gateway's provider credentials (HTTP ${input.status}): ${detail}`,
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
    return new UpstreamError(provider, status, `Upstream ${providerLabel(provider)} refuses requests from where the gateway runs (HTTP 400): ${detail}`, true, 502, 'upstream_region_refused', { 'x-should-retry': 'false' });
  // An account out of credit (a 402, or a 429 or 403 saying so: error-body.ts) gets OpenAI's words
  // for that; a 402's status stays (Anthropic's clients get billing_error).
  // A 429 is a rate limit whatever the provider calls it (Gemini: RESOURCE_EXHAUSTED, a number as
  // its code; Anthropic: rate_limit_error): OpenAI's code, unless it is an account out of credit,
  // which the SDKs are told not to retry (the key pool rests the key as for a 402).
  if (outOfCredit) headers['x-should-retry'] = 'false';
  // An overload said with a 429 is a 503: a 502 to the client (Anthropic's 529 overloaded_error on
  // /v1/messages), the breaker counts it, and no key rests for it (nor is the client told to wait as long).
  // Not ErrorBody.means: the 429's own words on the wait (above) are still read.
  const answered = overloaded ? 503 : status;
  // A prompt over the model's window, in any provider's words (Moonshot names it in its message only):
  // OpenAI's code for it, so the row says what the client is told (errors/context-overflow.ts).
  const overflow = answered === 400 && !outOfCredit && !contentRefused && parseContextOverflow(message as string, code) !== null;
  // A content refusal is OpenAI's code for one (its images'), in place of a provider's own word.
  const relayed = outOfCredit
    ? 'insufficient_quota'
    : contentRefused
      ? 'content_policy_violation'
      : overflow
        ? 'context_length_exceeded'
      : answered === 429
        ? 'rate_limit_exceeded'
        : isModelNotFound(status, code, message as string)
          ? 'model_not_found'
          : // Anthropic's own cause (`details.error_code`: ramp_limit_exceeded, cmek_key_disabled…) over its broad type.
            (anthropic?.details?.error_code ?? code ?? 'upstream_error');
  const failure = new UpstreamError(
    provider,
    answered,
    input.message ? input.message(detail) : `Upstream ${providerLabel(provider)} returned HTTP ${input.status}: ${detail}`,
    isRetryableStatus(status),
    // xAI's 403 for a team out of credit: the client is told 402, as DeepSeek's "Insufficient
    // Balance" (Anthropic's billing_error), not 403, which SDKs read as a permission refused.
    // Not ErrorBody.means: the key pool reads the 403 with the body's words.
    outOfCredit && status === 403 ? 402 : undefined,
    relayed,
    headers,
    param,
  );
  // The provider's own code beside OpenAI's: its words are put in OpenAI's unless it was OpenAI's code already.
  if (overflow) failure.upstreamCode = code;
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

