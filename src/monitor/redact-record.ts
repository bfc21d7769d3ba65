import type { LogRecord } from '../logging/log-record';
import { redactKeyForms } from '../security/redact-key';

/**
 * What a monitor subscriber receives for one request: accounting only, never bodies or keys.
 * Spelled out rather than derived from the logs API's LogRow (logging/usage-queries.ts), which
 * lists much the same fields: what admins may read from the database can grow, what is
 * broadcast must not grow with it.
 */
export interface MonitorEvent {
  type: 'request';
  data: {
    created_at: number;
    request_id: string;
    parent_request_id: string | null;
    client_id: number | null;
    /** The client's current name (from the in-memory snapshot), so a new client shows by name. */
    client_name: string | null;
    endpoint: LogRecord['endpoint'];
    model_requested: string;
    model: string | null;
    provider: string | null;
    route: string | null;
    stream: boolean;
    status: number;
    error_type: string | null;
    error: string | null;
    prompt_tokens: number;
    cached_tokens: number;
    completion_tokens: number;
    reasoning_tokens: number;
    images: number;
    estimated: boolean;
    cost_usd: number;
    latency_ms: number;
    ttfb_ms: number | null;
    overhead_ms: number;
    cache_write_tokens: number;
  };
}

// Shapes of credentials that upstream error texts are known to echo back.
const KEY_PATTERNS: RegExp[] = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi,
  /\bgg-[A-Za-z0-9_-]{16,}/g, // GopherGate client keys
  /\bsk-[A-Za-z0-9_-]{8,}/g, // OpenAI, DeepSeek, Moonshot
  /\bxai-[A-Za-z0-9_-]{8,}/g, // xAI
  /\bAIza[0-9A-Za-z_-]{20,}/g, // Google
];
const QUERY_KEY = /([?&](?:key|api_key|access_token)=)[^&\s"']+/gi;

/** Removes known secrets (exact) and anything shaped like a credential from free text. */
export function scrubSecrets(text: string, secrets: Iterable<string> = []): string {
  let out = text;
  for (const s of secrets) out = redactKeyForms(out, s);
  for (const re of KEY_PATTERNS) out = out.replace(re, '[redacted]');
  return out.replace(QUERY_KEY, '$1[redacted]');
}

/**
 * The broadcast form of a log record: an allow-list of fields (so a field added to LogRecord
 * later is not broadcast by accident), bodies and attempt details left out, error text scrubbed.
 */
export function toMonitorEvent(
  r: LogRecord,
  secrets: Iterable<string> = [],
  clientName: (id: number | null) => string | null = () => null,
): MonitorEvent {
  return {
    type: 'request',
    data: {
      created_at: r.createdAt,
      request_id: r.requestId,
      parent_request_id: r.parentRequestId ?? null,
      client_id: r.clientId,
      client_name: clientName(r.clientId),
      endpoint: r.endpoint,
      model_requested: scrubSecrets(r.modelRequested, secrets),
      model: r.model,
      provider: r.provider,
      route: r.route,
      stream: r.stream,
      status: r.status,
      error_type: r.errorType,
      error: r.error === null ? null : scrubSecrets(r.error.slice(0, 500), secrets),
      prompt_tokens: r.promptTokens,
      cached_tokens: r.cachedTokens,
      completion_tokens: r.completionTokens,
      reasoning_tokens: r.reasoningTokens,
      images: r.images ?? 0,
      estimated: r.estimated,
      cost_usd: r.costUsd,
      latency_ms: r.latencyMs,
      ttfb_ms: r.ttfbMs,
      overhead_ms: r.overheadMs,
      cache_write_tokens: r.cacheWriteTokens ?? 0,
    },
  };
}
