/** One request's accounting, built on the request path and written by the log-writer worker. */
export interface LogRecord {
  /** Epoch ms when the request arrived. */
  createdAt: number;
  requestId: string;
  /** Set on a classifier call's row: the request it routed. */
  parentRequestId?: string | null;
  clientId: number | null;
  endpoint: 'chat' | 'responses' | 'images' | 'classifier' | 'embeddings' | 'messages' | 'count_tokens';
  modelRequested: string;
  model: string | null;
  provider: string | null;
  /** `dispatcher>heavy-logic>deepseek-v4-pro` */
  route: string | null;
  /** JSON of the attempts made when fallback happened. */
  attempts?: string | null;
  stream: boolean;
  status: number;
  errorType: string | null;
  error: string | null;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  images?: number;
  estimated: boolean;
  costUsd: number;
  latencyMs: number;
  ttfbMs: number | null;
  overheadMs: number;
  /** Milliseconds waiting for an upstream slot (accept -> upstream dispatch beyond the gateway's own work). */
  queueMs?: number | null;
  body?: string | null;
  /** Which key of the provider's pool the last try used (a provider_keys id, `main` or `env`); never the key. */
  providerKeyId?: string | null;
  /** Prompt tokens written to the provider's prompt cache (part of promptTokens); unset: 0. */
  cacheWriteTokens?: number;
}

/** Where the request path hands records; never blocks, never throws. */
export interface LogSink {
  write(record: LogRecord): void;
  stats(): { depth: number; dropped: number; written: number };
  /** Waits until every accepted record is in SQLite, then stops the writer. */
  close(): Promise<void>;
}
