/**
 * Loose shapes of the Responses API as the bridge reads and writes them. Requests are read
 * loosely (only the fields the bridge uses are typed; the rest is kept as unknown) so a new
 * OpenAI field does not break the gateway. Outputs follow OpenAI's schema (checked in tests).
 */

export type JsonObject = Record<string, unknown>;

/** A Responses request as clients send it. */
export interface ResponsesRequest {
  model: string;
  input?: string | ResponsesInputItem[];
  instructions?: string | null;
  previous_response_id?: string | null;
  stream?: boolean | null;
  store?: boolean | null;
  tools?: ResponsesTool[];
  tool_choice?: unknown;
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  parallel_tool_calls?: boolean | null;
  metadata?: Record<string, string> | null;
  user?: string | null;
  reasoning?: { effort?: string | null; summary?: string | null } | null;
  text?: { format?: JsonObject; verbosity?: string | null } | null;
  truncation?: string | null;
  [key: string]: unknown;
}

/** One input item; `type` is missing on the "easy" message form `{role, content}`. */
export interface ResponsesInputItem {
  type?: string;
  role?: string;
  content?: unknown;
  [key: string]: unknown;
}

export interface ResponsesTool {
  type: string;
  name?: string;
  description?: string | null;
  parameters?: JsonObject | null;
  strict?: boolean | null;
  [key: string]: unknown;
}

export interface OutputText {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs: unknown[];
}
export interface OutputRefusal {
  type: 'refusal';
  refusal: string;
}
export interface ReasoningText {
  type: 'reasoning_text';
  text: string;
}

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export interface MessageItem {
  type: 'message';
  id: string;
  status: ItemStatus;
  role: 'assistant';
  content: (OutputText | OutputRefusal)[];
}
export interface FunctionCallItem {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: ItemStatus;
}
/** A call of a custom (freeform) tool: its `input` is the model's raw text. */
export interface CustomToolCallItem {
  type: 'custom_tool_call';
  id: string;
  call_id: string;
  name: string;
  input: string;
  status: ItemStatus;
}
export interface ReasoningItem {
  type: 'reasoning';
  id: string;
  summary: { type: 'summary_text'; text: string }[];
  content: ReasoningText[];
  status: ItemStatus;
  /** Opaque state to give back next turn (here: Anthropic thinking blocks, see thinking-content.ts). */
  encrypted_content?: string;
}
export type OutputItem = MessageItem | FunctionCallItem | CustomToolCallItem | ReasoningItem;

export interface ResponseUsage {
  input_tokens: number;
  /** `cache_write_tokens`: prompt-cache writes (Anthropic's), when there are any. */
  input_tokens_details: { cached_tokens: number; cache_write_tokens?: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponseStatus = 'completed' | 'failed' | 'in_progress' | 'incomplete' | 'cancelled' | 'queued';

/** OpenAI's `response` object. */
export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  completed_at: number | null;
  error: { code: string; message: string } | null;
  /** `pause_turn`: a bridged Claude turn Anthropic paused (response-skeleton.ts finalStatus); not one of OpenAI's. */
  incomplete_details: { reason?: 'max_output_tokens' | 'content_filter' | 'pause_turn' } | null;
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: string | null; summary: string | null };
  store: boolean;
  temperature: number | null;
  text: { format: JsonObject; verbosity: string };
  tool_choice: unknown;
  tools: unknown[];
  top_p: number | null;
  truncation: string;
  usage: ResponseUsage | null;
  user: string | null;
  metadata: Record<string, string>;
  background: boolean;
  [key: string]: unknown;
}

/** One streaming event; `type` doubles as the SSE `event:` name. */
export interface ResponseEvent {
  type: string;
  sequence_number: number;
  [key: string]: unknown;
}
