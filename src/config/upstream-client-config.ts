import type { UpstreamClientKind } from '../http/send-upstream';
import { ConfigError } from './env-readers';

type Env = Record<string, string | undefined>;

/** The variables through which Bun's fetch takes a proxy. */
export const PROXY_VARS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];
const KINDS: readonly UpstreamClientKind[] = ['auto', 'socket', 'fetch'];

/**
 * `LLM_PROXY__UPSTREAM__CLIENT`: `auto` (answers read whole over Bun's fetch, streams over the
 * gateway's own HTTP/1.1 client on Bun's sockets), `socket` (every call on the socket client) or
 * `fetch` (every call on Bun's fetch). Unset: `auto`, unless an HTTP(S) proxy is configured in the
 * environment, which only fetch honours.
 */
export function readUpstreamClient(env: Env): UpstreamClientKind {
  const raw = env.LLM_PROXY__UPSTREAM__CLIENT?.trim().toLowerCase();
  if (!raw) return PROXY_VARS.some((v) => env[v]) ? 'fetch' : 'auto';
  if (!(KINDS as readonly string[]).includes(raw))
    throw new ConfigError(`LLM_PROXY__UPSTREAM__CLIENT must be auto, socket or fetch (got "${env.LLM_PROXY__UPSTREAM__CLIENT}").`);
  return raw as UpstreamClientKind;
}

const LOOPBACK = ['localhost', '127.0.0.1', '::1'];

/**
 * This machine is reached directly whatever proxy the environment sets, as Go's net/http (the Go
 * gateway's) does: Bun's fetch sent an Ollama on localhost (its default base URL) through
 * HTTP_PROXY, whose refusal came back as Ollama's 502. Adds loopback to NO_PROXY, keeping its
 * entries; no_proxy (which Bun may read instead) gets the same list.
 */
export function reachLoopbackDirectly(env: Env = process.env): void {
  if (!PROXY_VARS.some((v) => env[v])) return;
  const entries = [env.NO_PROXY, env.no_proxy].flatMap((v) => (v ?? '').split(',')).map((s) => s.trim()).filter(Boolean);
  if (entries.includes('*')) return;
  env.NO_PROXY = env.no_proxy = [...new Set([...entries, ...LOOPBACK])].join(',');
}
