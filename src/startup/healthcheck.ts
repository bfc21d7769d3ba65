import { localUrl } from './local-url';

/** What `--healthcheck` found: its exit code and the one line it prints on stderr (null: nothing to say). */
export interface HealthcheckResult {
  code: 0 | 1;
  line: string | null;
}

const TIMEOUT_MS = 3000;

/** Why a degraded /health body is degraded, in its own words (store, Redis, log rows). */
function degradedReasons(b: Record<string, any>): string {
  const why: string[] = [];
  if (b.store_reachable === false) why.push(`${b.store ?? 'store'} unreachable`);
  if (b.store_error) why.push(String(b.store_error));
  if (b.redis === 'down') why.push('redis down');
  if (b.log_queue?.error) why.push(`log rows cannot be stored (${String(b.log_queue.error)})`);
  return why.length ? why.join(', ') : 'see /health';
}

/**
 * Probes the local server's /health where `host:port` puts it (a wildcard through loopback).
 * Exit 1 when nothing answers, it times out, or the answer is not a 2xx; a 2xx that reports
 * `degraded` still exits 0 (the server serves), but says why. Every failure says why in one line.
 */
export async function runHealthcheck(host: string, port: number, fetchImpl: typeof fetch = fetch): Promise<HealthcheckResult> {
  const url = localUrl(host, port, '/health');
  const where = new URL(url).host; // 127.0.0.1:8080, [::1]:8080
  let r: Response;
  try {
    r = await fetchImpl(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    const e = err as { name?: string; code?: string; message?: string };
    if (e?.name === 'TimeoutError') return { code: 1, line: `gophergate: healthcheck failed: no answer from ${url} within ${TIMEOUT_MS / 1000} s` };
    if (e?.code === 'ECONNREFUSED') return { code: 1, line: `gophergate: healthcheck failed: connection refused at ${where} (is the server running there?)` };
    return { code: 1, line: `gophergate: healthcheck failed: ${url}: ${e?.code ?? e?.message ?? String(err)}` };
  }
  if (!r.ok) return { code: 1, line: `gophergate: healthcheck failed: ${url} answered HTTP ${r.status}` };
  const body = (await r.json().catch(() => null)) as Record<string, any> | null;
  if (body?.status === 'degraded') return { code: 0, line: `gophergate: healthcheck: ${url} answers but is degraded: ${degradedReasons(body)}` };
  return { code: 0, line: null };
}
