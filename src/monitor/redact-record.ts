import { logJson, type LogJson, type LogRow } from '../logging/log-row';
import { redactKeyForms } from '../security/redact-key';

/**
 * What a monitor subscriber receives for one request: the row's public fields under their column
 * names (logJson, logging/log-row.ts: the same allow-list as GET /api/logs, never bodies or keys)
 * and the client's current name (from the in-memory snapshot, so a new client shows by name).
 */
export interface MonitorEvent {
  type: 'request';
  data: LogJson & { client_name: string | null };
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

/** The broadcast form of a log row: public fields only, the free text scrubbed and the error cut to 500 characters. */
export function toMonitorEvent(
  r: LogRow,
  secrets: Iterable<string> = [],
  clientName: (id: number | null) => string | null = () => null,
): MonitorEvent {
  const list = [...secrets];
  const redacted = {
    ...r,
    modelRequested: scrubSecrets(r.modelRequested, list),
    error: r.error === null ? null : scrubSecrets(r.error.slice(0, 500), list),
  };
  return { type: 'request', data: { ...logJson(redacted), client_name: clientName(r.clientId) } };
}
