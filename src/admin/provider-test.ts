import { redactKeyForms } from '../security/redact-key';
import type { ProviderSettings } from '../providers/types';
import { requireProviderId, type ProviderDeps } from './providers-service';
import { noAnswerText, upstreamRefusalText } from './provider-test-text';

export interface ConnectionTest {
  ok: boolean;
  /** Upstream HTTP status, or null when no response came (refused, timeout). */
  status: number | null;
  latency_ms: number;
  /** Models the upstream listed, when it answered with a list. */
  models: number | null;
  error: string | null;
}

/** The request that lists models: `{base}/models`, except Gemini's native path and key header. */
function listModelsCall(s: ProviderSettings): { url: string; headers: Record<string, string> } {
  if (s.id === 'gemini') {
    return { url: `${s.baseUrl.replace(/\/+$/, '')}/v1beta/models`, headers: s.apiKey ? { 'x-goog-api-key': s.apiKey } : {} };
  }
  if (s.id === 'anthropic') {
    const headers: Record<string, string> = { 'anthropic-version': '2023-06-01' };
    if (s.apiKey) headers['x-api-key'] = s.apiKey;
    return { url: `${s.baseUrl.replace(/\/+$/, '')}/v1/models`, headers };
  }
  return { url: `${s.baseUrl.replace(/\/+$/, '')}/models`, headers: s.apiKey ? { authorization: `Bearer ${s.apiKey}` } : {} };
}

/** Error text with any trace of the key removed (some upstreams echo it back). */
function scrub(text: string, key: string | undefined): string {
  return redactKeyForms(text.slice(0, 2000), key).slice(0, 300);
}

/**
 * GET the provider's model list with its effective settings and a short timeout. Never
 * throws for upstream trouble: the outcome is data for the dashboard.
 */
export async function testProviderConnection(deps: ProviderDeps, id: string, timeoutMs = 5_000): Promise<ConnectionTest> {
  const pid = requireProviderId(id);
  const s = deps.state.getSnapshot().providers.get(pid)!;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  if (pid === 'mock') return { ok: true, status: 200, latency_ms: 0, models: null, error: null };
  const { url, headers } = listModelsCall(s);
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    const text = await res.text();
    let models: number | null = null;
    try {
      const body = JSON.parse(text) as { data?: unknown[]; models?: unknown[] };
      const list = body.data ?? body.models;
      models = Array.isArray(list) ? list.length : null;
    } catch {
      // not JSON: status alone decides
    }
    const ok = res.ok;
    return { ok, status: res.status, latency_ms: elapsed(), models, error: ok ? null : scrub(upstreamRefusalText(res.status, text), s.apiKey) };
  } catch (err) {
    return { ok: false, status: null, latency_ms: elapsed(), models: null, error: scrub(noAnswerText(err, url, timeoutMs), s.apiKey) };
  }
}
