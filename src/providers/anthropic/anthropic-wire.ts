/**
 * The parts of Anthropic's Messages API (`POST /v1/messages`, anthropic-version 2023-06-01) the
 * gateway writes or reads. Responses are read loosely: only the fields used are typed, and
 * every one of them may be missing.
 */

export interface CacheControl {
  type: 'ephemeral';
  ttl?: '5m' | '1h';
}

export type AnthropicImageSource =
  | { type: 'base64'; media_type: string; data: string }
  | { type: 'url'; url: string };

export type AnthropicBlock =
  | { type: 'text'; text: string; cache_control?: CacheControl }
  | { type: 'image'; source: AnthropicImageSource; cache_control?: CacheControl }
  | { type: 'document'; source: { type: 'base64'; media_type: string; data: string } | { type: 'text'; media_type: 'text/plain'; data: string }; title?: string; cache_control?: CacheControl }
  | { type: 'tool_use'; id: string; name: string; input: unknown; cache_control?: CacheControl }
  | { type: 'tool_result'; tool_use_id: string; content: string | AnthropicBlock[]; is_error?: boolean; cache_control?: CacheControl }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string };

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: AnthropicBlock[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  cache_control?: CacheControl;
}

export type AnthropicToolChoice =
  | { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

export interface AnthropicRequest {
  model: string;
  max_tokens: number;
  messages: AnthropicMessage[];
  system?: { type: 'text'; text: string; cache_control?: CacheControl }[];
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  thinking?: { type: 'enabled'; budget_tokens: number } | { type: 'disabled' } | Record<string, unknown>;
  /** `effort`: adaptive thinking's; `format`: structured outputs (JSON in the answer's text). */
  output_config?: { effort?: string; format?: { type: 'json_schema'; schema: Record<string, unknown> } };
  metadata?: { user_id: string };
  /** Automatic prompt caching: Anthropic places the breakpoint on the request's last cacheable block. */
  cache_control?: CacheControl;
  stream?: boolean;
}

/** Usage as Anthropic reports it: `input_tokens` EXCLUDES cache reads and cache writes. */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

/** A content block of a response (the same shapes as above, read loosely). */
export interface AnthropicResponseBlock {
  type?: string;
  text?: string;
  thinking?: string;
  signature?: string;
  data?: string;
  id?: string;
  name?: string;
  input?: unknown;
}

export interface AnthropicResponse {
  id?: string;
  type?: string;
  model?: string;
  content?: AnthropicResponseBlock[];
  stop_reason?: string | null;
  stop_sequence?: string | null;
  usage?: AnthropicUsage;
  error?: { type?: string; message?: string };
}
