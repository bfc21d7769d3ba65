import type { Usage } from '../usage/types';
import type { EmbeddingData } from './embedding-body';

/** An embeddings.create request as clients send it (OpenAI's shape); unknown fields are kept. */
export interface EmbeddingRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
  /** The gateway's own field: Gemini's task type (`RETRIEVAL_DOCUMENT`, …); other providers ignore it. */
  task_type?: string;
  [key: string]: unknown;
}

/** The request once validated: the inputs as a list, whichever form the client sent. */
export interface EmbeddingInputs {
  /** `text`: strings; `tokens`: arrays of token ids (one per input). */
  kind: 'text' | 'tokens';
  texts: string[];
  tokens: number[][];
  encodingFormat: 'float' | 'base64';
  dimensions: number | null;
  /** Gemini's `taskType` for every input; null: none asked (Gemini's default). */
  taskType: string | null;
}

/** What a provider answered, ready for the client and the log. */
export interface EmbeddingResult {
  /** Exact bytes to send (an OpenAI pass-through); otherwise `body` is serialised. */
  raw?: string;
  /** One vector per input, in input order, encoded for the client (unset when `raw` is sent as it came). */
  data?: EmbeddingData;
  /** The model name the answer reports. */
  model: string;
  /** Prompt tokens the upstream reported, or null when it reported none. */
  promptTokens: number | null;
}

/** OpenAI's `CreateEmbeddingResponse`. */
export interface EmbeddingResponseBody {
  object: 'list';
  data: { object: 'embedding'; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

export type { Usage };
