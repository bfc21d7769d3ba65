import type { UpstreamClientKind } from '../http/send-upstream';
import { ConfigError } from './env-readers';

type Env = Record<string, string | undefined>;

const PROXY_VARS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];

/**
 * `LLM_PROXY__UPSTREAM__CLIENT`: `socket` (the gateway's own HTTP/1.1 client on Bun's sockets) or
 * `fetch` (Bun's fetch). Unset: `socket`, unless an HTTP(S) proxy is configured in the environment,
 * which only fetch honours.
 */
export function readUpstreamClient(env: Env): UpstreamClientKind {
  const raw = env.LLM_PROXY__UPSTREAM__CLIENT?.trim().toLowerCase();
  if (!raw) return PROXY_VARS.some((v) => env[v]) ? 'fetch' : 'socket';
  if (raw !== 'socket' && raw !== 'fetch')
    throw new ConfigError(`LLM_PROXY__UPSTREAM__CLIENT must be socket or fetch (got "${env.LLM_PROXY__UPSTREAM__CLIENT}").`);
  return raw;
}
