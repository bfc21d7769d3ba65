import { socketFetch, type UpstreamRequest } from './upstream-client';

/**
 * Which HTTP client calls the providers (LLM_PROXY__UPSTREAM__CLIENT, config/upstream-client-config.ts):
 * `auto` (the default) sends the calls whose answer is a small JSON read whole (a chat completion, a
 * token count) through Bun's fetch, whose thread reads it beside the event loop, and the rest through
 * the socket client, which reads a stream's spaced-out chunks without a hand-off per read and a large
 * answer (embeddings) with backpressure (BENCHMARKS.md, "Answers read
 * whole over fetch").
 */
export type UpstreamClientKind = 'socket' | 'fetch' | 'auto';

/**
 * The one way a provider call goes out (chat, images, Responses pass-through, embeddings): the
 * client `client` names for a call whose answer is a small JSON read whole (`smallJson`) or not. Neither client follows
 * redirects: a 3xx is the upstream's answer.
 */
export function sendUpstream(client: UpstreamClientKind, req: UpstreamRequest, signal: AbortSignal, smallJson: boolean): Promise<Response> {
  if (client === 'socket' || (client === 'auto' && !smallJson)) return socketFetch(req, signal);
  return fetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal, redirect: 'manual' });
}
