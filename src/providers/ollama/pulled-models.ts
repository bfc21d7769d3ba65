import type { UpstreamRequest } from '../../http/upstream-client';
import type { ProviderSettings } from '../types';
import { ollamaTagsUrl, parseOllamaTags, type PulledModel } from './ollama-tags-api';

/** How long a list (or a failure to get one) is used before Ollama is asked again. */
export const PULLED_TTL_MS = 10_000;
/** The longest `GET /v1/models` waits for Ollama's list; past it the last list (or none) is used. */
export const PULLED_TIMEOUT_MS = 2_000;
/** A larger answer is not a list of models (thousands of models are a few hundred KiB). */
const MAX_BODY_CHARS = 8 << 20;

/** Sends one request upstream (http/send-upstream.ts with the configured client). */
export type TagsFetch = (req: UpstreamRequest, signal: AbortSignal) => Promise<Response>;

interface Cached {
  /** The base URL and key the list was asked with: another one is another server. */
  key: string;
  models: readonly PulledModel[];
  /** When the last try ended (success or failure), epoch ms. */
  at: number;
  inflight: Promise<void> | null;
}

/**
 * The models the configured Ollama has pulled, for `GET /v1/models` only (never a chat request's
 * path): asked of Ollama's `/api/tags` at most once per PULLED_TTL_MS, one call at a time, waited
 * for at most PULLED_TIMEOUT_MS. A failure (Ollama down, a timeout, an answer that is no list)
 * keeps the last list of the same server (none at first) and is not retried before the TTL, so
 * /v1/models never fails or waits long because of Ollama. AppContext.ollamaModels.
 */
export class PulledOllamaModels {
  private cached: Cached | null = null;

  constructor(private readonly fetchTags: TagsFetch, private readonly now: () => number = Date.now) {}

  /** The pulled models of Ollama at `settings` (none when it is off, or its circuit is open: `reachable` false). */
  async list(settings: ProviderSettings | undefined, reachable: boolean): Promise<readonly PulledModel[]> {
    if (!settings?.enabled || settings.badBaseUrl) return [];
    const apiKey = settings.apiKey ?? settings.keys?.[0]?.apiKey;
    const key = `${settings.baseUrl}\n${apiKey ?? ''}`;
    let c = this.cached;
    if (!c || c.key !== key) c = this.cached = { key, models: [], at: 0, inflight: null };
    if (reachable && this.now() - c.at >= PULLED_TTL_MS) {
      c.inflight ??= this.refresh(c, settings.baseUrl, apiKey);
      await c.inflight;
    }
    return c.models;
  }

  private async refresh(c: Cached, baseUrl: string, apiKey: string | undefined): Promise<void> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    try {
      const res = await this.fetchTags({ url: ollamaTagsUrl(baseUrl), method: 'GET', headers }, AbortSignal.timeout(PULLED_TIMEOUT_MS));
      const text = res.ok ? await res.text() : (await res.body?.cancel(), '');
      const models = res.ok && text.length <= MAX_BODY_CHARS ? parseOllamaTags(JSON.parse(text)) : null;
      if (models) c.models = models;
    } catch {
      // Unreachable, timed out, not JSON: the last list stays (see the class comment).
    } finally {
      c.at = this.now();
      c.inflight = null;
    }
  }
}
