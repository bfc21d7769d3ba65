/** Anthropic's rate headers on /v1/messages (src/limits/anthropic-rate-headers.ts). */
const ANTHROPIC_RATE_HEADERS = ['requests', 'tokens', 'input-tokens', 'output-tokens'].flatMap((kind) =>
  ['limit', 'remaining', 'reset'].map((field) => `anthropic-ratelimit-${kind}-${field}`),
);

/**
 * The /v1 API is called with a bearer key, never a cookie, so like OpenAI's own API any origin
 * may call it (browser apps using the SDK); the gateway's own headers are readable to them.
 */
export const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': [
    'x-gophergate-overhead-ms, x-gophergate-model, x-gophergate-provider, x-gophergate-route, x-gophergate-route-reason, x-gophergate-ignored, x-request-id, retry-after',
    'retry-after-ms, x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests',
    'x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens',
    // The SDKs' retry logic obeys it: unread, a browser's SDK would retry a spent budget.
    'x-should-retry',
    // Anthropic's SDKs (dangerouslyAllowBrowser) read the request's id from `request-id` on /v1/messages.
    'request-id',
    ...ANTHROPIC_RATE_HEADERS,
  ].join(', '),
};
