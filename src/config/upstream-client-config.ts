import type { UpstreamClientKind } from '../http/send-upstream';
import { ConfigError } from './env-readers';

type Env = Record<string, string | undefined>;

const PROXY_VARS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];
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
