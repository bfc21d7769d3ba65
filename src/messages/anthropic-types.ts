/**
 * The parts of Anthropic's Messages API the gateway reads and writes. Requests are read loosely
 * (unknown fields are allowed and ignored unless a provider cannot honour them).
 */

export interface MessagesRequest {
  model: string;
  max_tokens: number;
  messages: AnthropicMessageParam[];
  system?: string | AnthropicBlock[];
  stream?: boolean;
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  tools?: Record<string, any>[];
  tool_choice?: { type: string; name?: string; disable_parallel_tool_use?: boolean };
  thinking?: { type: string; budget_tokens?: number };
  output_config?: { effort?: string | null; format?: Record<string, any> | null };
  metadata?: { user_id?: string | null };
  [field: string]: unknown;
}

export interface AnthropicMessageParam {
  role: 'user' | 'assistant' | 'system';
  content: string | AnthropicBlock[];
}

/** A content block as clients send it: text, image, document, tool_use, tool_result, thinking, … */
export type AnthropicBlock = Record<string, any> & { type: string };

export interface AnthropicUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
  /** Of `output_tokens`, the reasoning (chat-to-message.ts toAnthropicUsage); absent when there was none. */
  output_tokens_details?: { thinking_tokens: number };
}

export type AnthropicContentBlock =
  | { type: 'text'; text: string; citations?: null }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown>; caller: typeof DIRECT_CALLER };

/** Who invoked a tool call: the model itself (the API's `caller` on every `tool_use` block it makes). */
export const DIRECT_CALLER = Object.freeze({ type: 'direct' as const });

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal' | 'pause_turn';

export interface AnthropicMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: AnthropicContentBlock[];
  stop_reason: StopReason | null;
  stop_sequence: string | null;
  stop_details: null;
  usage: AnthropicUsage;
}

/** One server-sent event of a Messages stream (`event: <type>`, `data: <json>`). */
export type MessagesEvent = { type: string } & Record<string, unknown>;
