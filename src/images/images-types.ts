import type { UpstreamCall } from '../providers/types';
import type { Usage } from '../usage/types';

/** An images.generate request as clients send it (OpenAI's shape); unknown fields are kept. */
export interface ImageRequest {
  model: string;
  prompt: string;
  n?: number | null;
  size?: string | null;
  quality?: string | null;
  style?: string | null;
  response_format?: 'url' | 'b64_json' | null;
  [key: string]: unknown;
}

/** One image in OpenAI's `data[]`. */
export interface ImageDatum {
  url?: string;
  b64_json?: string;
  revised_prompt?: string;
}

/** What an image upstream answered, ready for the client and the log. */
export interface ImageResult {
  /** Exact bytes to send (an OpenAI pass-through); otherwise `body` is serialised. */
  raw?: string;
  body: { created: number; data: ImageDatum[]; [key: string]: unknown };
  images: number;
  /** Tokens, where the upstream reported them (gpt-image-*, gemini-*-image). */
  usage: Usage | null;
}

/** A fully built upstream call and the function that reads its JSON answer. */
export interface ImagePlan {
  call: UpstreamCall;
  parse(body: unknown, rawText: string): ImageResult;
}
