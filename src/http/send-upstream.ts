import { socketFetch, type UpstreamRequest } from './upstream-client';

/** Which HTTP client calls the providers (LLM_PROXY__UPSTREAM__CLIENT, config/upstream-client-config.ts). */
export type UpstreamClientKind = 'socket' | 'fetch';

/**
 * The one way a provider call goes out (chat, images, Responses pass-through): the gateway's
 * socket client by default, Bun's fetch when configured (or when a proxy is set). Neither follows
 * redirects: a 3xx is the upstream's answer.
 */
export function sendUpstream(client: UpstreamClientKind, req: UpstreamRequest, signal: AbortSignal): Promise<Response> {
  if (client === 'socket') return socketFetch(req, signal);
  return fetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal, redirect: 'manual' });
}
