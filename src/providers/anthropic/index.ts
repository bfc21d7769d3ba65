import { PROVIDER_CATALOG } from '../provider-catalog';
import type { ProviderAdapter } from '../types';
import { buildAnthropicRequest } from './anthropic-request';
import { parseAnthropicResponse } from './anthropic-response';
import { errorInAnswer } from '../shared/error-in-answer';
import { anthropicChatStream } from './anthropic-stream';
import { inlineRemoteImages, nativeMessagesCall, nativeMessagesTransformer } from './native-messages';

const DEFAULT_BASE_URL = PROVIDER_CATALOG.anthropic.defaultBaseUrl;

/** The API version the translation is written against (Anthropic's only stable one). */
export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * Anthropic through its native Messages API. The base URL is the host root (the gateway appends
 * `/v1/messages`); the key goes in `x-api-key`. A client's `anthropic-beta` header is forwarded,
 * so beta features a client opted into reach Anthropic.
 */
export const anthropicAdapter: ProviderAdapter = {
  id: 'anthropic',
  defaultBaseUrl: DEFAULT_BASE_URL,

  async buildChatCall(req, ctx, settings, deps) {
    if (ctx.nativeMessages) return nativeMessagesCall(await inlineRemoteImages(ctx.nativeMessages, deps), ctx.model, settings, DEFAULT_BASE_URL, ctx.clientHeaders);
    const body = await buildAnthropicRequest(req, ctx, deps);
    const base = (settings.baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '');
    const headers: Record<string, string> = { 'content-type': 'application/json', 'anthropic-version': ANTHROPIC_VERSION };
    if (settings.apiKey) headers['x-api-key'] = settings.apiKey;
    const beta = ctx.clientHeaders?.['anthropic-beta'];
    if (beta) headers['anthropic-beta'] = beta;
    return { url: `${base}/v1/messages`, method: 'POST', headers, body: JSON.stringify(body) };
  },

  // A native /v1/messages answer is sent to the client in Anthropic's own bytes (verbatim); the
  // parse still reads its usage for the log row.
  parseChatResponse: (body: any, ctx) => {
    // Anthropic's error shape answered with 200 (a proxy in front of it may): a failure, not an empty message.
    if (body?.type === 'error') throw errorInAnswer('anthropic', body.error);
    return ctx.nativeMessages ? { ...parseAnthropicResponse(body, ctx), verbatim: true } : parseAnthropicResponse(body, ctx);
  },
  chatStream: (ctx, tally) => (ctx.nativeMessages ? nativeMessagesTransformer(ctx, tally) : anthropicChatStream(ctx, tally)),
};
