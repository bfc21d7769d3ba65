import { PROVIDER_CATALOG } from '../provider-catalog';
import { geminiModelId, googleJsonHeaders } from '../shared/upstream-call';
import type { ProviderAdapter } from '../types';
import { geminiErrorMessage } from './gemini-error';
import { buildGeminiRequest } from './gemini-request';
import { parseGeminiResponse } from './gemini-response';
import { geminiChatStream } from './gemini-stream';

export { geminiErrorMessage };

const DEFAULT_BASE_URL = PROVIDER_CATALOG.gemini.defaultBaseUrl;

/**
 * Google Gemini through its native API. The base URL is the host root; the model goes in the
 * path, the key in `x-goog-api-key` (never in the query string, where it would end up in logs).
 */
export const geminiAdapter: ProviderAdapter = {
  id: 'gemini',
  defaultBaseUrl: DEFAULT_BASE_URL,

  async buildChatCall(req, ctx, settings, deps) {
    const body = await buildGeminiRequest(req, ctx, deps);
    const base = (settings.baseUrl || DEFAULT_BASE_URL).replace(/\/+$/, '');
    const model = encodeURIComponent(geminiModelId(ctx.model));
    const url = ctx.stream
      ? `${base}/v1beta/models/${model}:streamGenerateContent?alt=sse`
      : `${base}/v1beta/models/${model}:generateContent`;
    const headers = googleJsonHeaders(settings);
    return { url, method: 'POST', headers, body: JSON.stringify(body) };
  },

  parseChatResponse: parseGeminiResponse,
  chatStream: geminiChatStream,
};
