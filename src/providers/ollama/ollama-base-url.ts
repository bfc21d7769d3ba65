import { parsedUrl, type NormalisedBaseUrl } from '../base-url/normalised-base-url';

/** Ollama's own port: `ollama serve` listens there unless OLLAMA_HOST says otherwise. */
const OLLAMA_PORT = '11434';

/** Ollama's native API base, or one of its endpoints, as its own docs and clients give them. */
const NATIVE_API = /\/api(?:\/(?:chat|generate|embed|embeddings|tags))?$/;

/**
 * Ollama at its port without its `/v1` (`base` without trailing slashes): the server root, or
 * its native API's `/api` (ollama-js and LangChain's Ollama classes take the root; curl examples
 * give `/api/chat`). Ollama serves its OpenAI-compatible API under `/v1` only, so either 404ed
 * every call, on whatever host Ollama runs (a Compose service `ollama`, `host.docker.internal`, a
 * GPU box on the LAN), not only on localhost. Another port or path (a relay's) is left as given.
 * Null when `base` is not that.
 */
export function ollamaWithoutVersion(base: string): NormalisedBaseUrl | null {
  const u = parsedUrl(base);
  if (u?.port !== OLLAMA_PORT) return null;
  if (u.pathname === '/' || u.pathname === '') return { url: `${base}/v1`, change: `is Ollama's port (${OLLAMA_PORT}) without a path, which serves its OpenAI-compatible API under /v1 only` };
  const m = NATIVE_API.exec(base);
  if (!m || new URL(base.slice(0, m.index)).pathname !== '/') return null;
  return { url: `${base.slice(0, m.index)}/v1`, change: `ends in ${m[0]}, the base of Ollama's native API (the gateway calls its OpenAI-compatible one, under /v1)` };
}
