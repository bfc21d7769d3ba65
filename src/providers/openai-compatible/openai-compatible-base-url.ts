import { parsedUrl, trimmed, withoutTrailingSlashes, type NormalisedBaseUrl } from '../base-url/normalised-base-url';
import type { ProviderId } from '../types';
import { ollamaWithoutVersion } from '../ollama/ollama-base-url';

/**
 * The endpoints the gateway appends to an OpenAI-compatible base URL (chat, the Responses API and
 * its stored responses, embeddings, images, the connection test's model list). A base URL pasted
 * as the full endpoint (`https://api.openai.com/v1/chat/completions`, as the providers' curl
 * examples show it) made `…/chat/completions/chat/completions`: a 404 on every call.
 */
const APPENDED_ENDPOINT = /\/(?:chat\/completions|responses|embeddings|images\/generations|models)$/;

/**
 * Each provider's own hosts, which serve its OpenAI-compatible API under `/v1` only (the bare host
 * answers 404). DeepSeek is not here: api.deepseek.com serves it with and without `/v1` (its docs
 * give both; deepseek/deepseek-beta-url.ts derives the beta URL from either). Ollama's is the local
 * server on its default port (its docs give `http://localhost:11434/v1`).
 */
const OWN_HOSTS: Partial<Record<ProviderId, readonly string[]>> = {
  // eu.api.openai.com: OpenAI's European data-residency host, the same API.
  openai: ['api.openai.com', 'eu.api.openai.com'],
  grok: ['api.x.ai'],
  moonshot: ['api.moonshot.ai', 'api.moonshot.cn'],
};

/** The provider's name as the warning says it. */
const OWNER: Partial<Record<ProviderId, string>> = { openai: "OpenAI's", grok: "xAI's", moonshot: "Moonshot's" };

/**
 * The base URL calls of an OpenAI-compatible provider (OpenAI, DeepSeek, Moonshot, xAI, Ollama)
 * use: where `/chat/completions` is appended. An endpoint the gateway appends is taken off the end
 * (any host); the provider's own host given without a path gets its `/v1`. Nothing else is
 * rewritten: a relay's or another host's path is its own business.
 */
export function openAiCompatibleBaseUrl(id: ProviderId, url: string): NormalisedBaseUrl {
  const endpoint = trimmed(url, APPENDED_ENDPOINT, (p) => `ends in ${p}, an endpoint the gateway appends itself ({base}/chat/completions, /responses, /embeddings, /models)`);
  const base = endpoint?.url ?? withoutTrailingSlashes(url);
  if (id === 'ollama') {
    const local = ollamaWithoutVersion(base);
    if (!local) return endpoint ?? { url: base, change: null };
    return { url: local.url, change: endpoint ? `${endpoint.change}; what is left ${local.change}` : local.change };
  }
  const version = ownHostWithoutVersion(id, base);
  if (!version) return endpoint ?? { url: base, change: null };
  const added = `${base}/v1`;
  const why = `${version}, which serves its API under /v1 only`;
  return { url: added, change: endpoint ? `${endpoint.change}; what is left ${why}` : why };
}

/** "is OpenAI's own host without a path" when `base` is that, else null. */
function ownHostWithoutVersion(id: ProviderId, base: string): string | null {
  const hosts = OWN_HOSTS[id];
  if (!hosts) return null;
  const u = parsedUrl(base);
  if (!u || (u.pathname !== '/' && u.pathname !== '')) return null;
  return hosts.includes(u.host) ? `is ${OWNER[id]} own host without a path` : null;
}
