/** Upstream requests in flight by default: thousands of long streams on one instance. */
export const DEFAULT_MAX_CONNECTIONS = 16_384;
/** Bun's own fetch cap sits this far above the setting: room for fetches outside the gateway's queue (image downloads). */
export const FETCH_CAP_HEADROOM = 256;
/** Bun's fetch cap (BUN_CONFIG_MAX_HTTP_REQUESTS) is at most 65535. */
export const MAX_CONNECTIONS_LIMIT = 65_535 - FETCH_CAP_HEADROOM;
export const MAX_CONNECTIONS_VAR = 'LLM_PROXY__UPSTREAM__MAX_CONNECTIONS';
