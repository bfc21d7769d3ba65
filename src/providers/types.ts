import type { ReasoningStore } from './openai-compatible/reasoning-memory';
import type { ResponsesOnlyModels } from './openai/responses-only-models';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
} from 'openai/resources/chat/completions';
import type { BillExtras, Usage } from '../usage/types';

export const PROVIDER_IDS = ['openai', 'gemini', 'deepseek', 'moonshot', 'grok', 'ollama', 'anthropic', 'mock'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export function isProviderId(value: string): value is ProviderId {
  return (PROVIDER_IDS as readonly string[]).includes(value);
}

/** The local providers: what they serve costs nothing, so a model they serve is never unpriced. */
export const FREE_PROVIDERS: ReadonlySet<ProviderId> = new Set<ProviderId>(['ollama', 'mock']);

/** A chat request as clients send it (OpenAI's shape); unknown extra fields are kept. */
export type ChatRequest = ChatCompletionCreateParams & Record<string, unknown>;
export type { ChatCompletion, ChatCompletionChunk };

/** A request body on its way upstream: OpenAI's shape plus whatever extra fields the client sent. */
export type UpstreamBody = Record<string, any>;

/** Runtime settings of one provider: merged from env and the providers table, held in memory. */
export interface ProviderSettings {
  id: ProviderId;
  enabled: boolean;
  /** Base URL as in the README's configuration table: OpenAI-compatible ones end where /chat/completions is appended (Gemini's is the host root). */
  baseUrl: string;
  apiKey?: string;
  /**
   * DeepSeek only: the base URL of its beta API, which alone serves Chat Prefix Completion
   * (LLM_PROXY__PROVIDERS__DEEPSEEK__BETA_BASE_URL); unset: derived from `baseUrl` only when that
   * is DeepSeek's own host (providers/deepseek/deepseek-beta-url.ts).
   */
  betaBaseUrl?: string;
  /**
   * DeepSeek only: LLM_PROXY__PROVIDERS__DEEPSEEK__BETA_BASE_URL as set, when `betaBaseUrl` is it
   * normalised like every base URL (`…/beta/chat/completions` as pasted: the path calls append
   * taken off); the start warns of it once, as of `baseUrlGivenAs`.
   */
  betaBaseUrlGivenAs?: string;
  /** What was changed in `betaBaseUrlGivenAs` and why (a phrase, as `baseUrlChange`). */
  betaBaseUrlChange?: string;
  /** Stored keys (its own, pool keys) that do not decrypt: made under another LLM_PROXY__ENCRYPTION_KEY. */
  unreadableKeys?: number;
  /** Pool rows (ids) holding the provider's own key itself: left out of `keys`, the own key stands for them. */
  ownKeyCopies?: string[];
  /**
   * The stored base URL holds a query or fragment (saved before the admin API refused them; a key
   * given `?key=...`): calls would append their paths after it, so the provider is off until the
   * URL is set again (build-snapshot.ts), and it is shown and warned of without the query's values.
   */
  badBaseUrl?: true;
  /**
   * The base URL as set (the environment, or stored before the admin API normalised it), when
   * `baseUrl` is it changed (a path the calls append themselves taken off, a provider's own host
   * given its `/v1`: base-url/provider-base-url.ts); the start warns of it once.
   */
  baseUrlGivenAs?: string;
  /** What was changed in `baseUrlGivenAs` and why (a phrase: "ends in /v1, which the gateway appends itself …"). */
  baseUrlChange?: string;
  /**
   * The provider's key pool: its own key (`apiKey`, id `main` or `env`) first, then the keys added
   * with POST /api/providers/{id}/keys. Unset or empty: `apiKey` alone (or no key).
   */
  keys?: readonly PoolKey[];
}

/** One key of a provider's pool, held decrypted in the in-memory snapshot only. */
export interface PoolKey {
  /** A provider_keys row id, `main` (the provider's own stored key) or `env` (from <P>_API_KEY). */
  id: string;
  label: string;
  last4: string;
  /** Share of requests relative to the pool's other keys (default 1). */
  weight: number;
  apiKey: string;
  /**
   * Where the key pool keeps its state when not under `id`: the env key's names its secret (a keyed
   * fingerprint), as each instance may hold another env key and one replaced there starts afresh.
   */
  stateId?: string;
}

/** One HTTP call to an upstream, fully built (the proxy adds the abort signal and timeouts). */
export interface UpstreamCall {
  url: string;
  method: 'POST' | 'GET' | 'DELETE';
  headers: Record<string, string>;
  body?: string;
}

export interface ChatCallContext {
  /** Concrete upstream model id, without any `provider/` prefix. */
  model: string;
  stream: boolean;
  /** The client asked for `stream_options.include_usage`; the gateway always asks upstream for it. */
  clientWantsUsage: boolean;
  /** Where DeepSeek's and Kimi's reasoning of tool-call turns is remembered (the app's; shared with Redis). */
  reasoning?: ReasoningStore;
  /**
   * The client key that asked: what is remembered of its turns is only filled into its own later
   * requests (Kimi's call ids, `functions.get_weather:0`, are the same in everyone's conversation).
   * Unset or null: nothing is remembered by client.
   */
  clientId?: number | null;
  /**
   * Client request headers an adapter may forward (lower-case names; only `anthropic-beta`, and on
   * /v1/messages `anthropic-version`, are collected today, and only the anthropic adapter reads
   * them). Unset: none.
   */
  clientHeaders?: Readonly<Record<string, string>>;
  /**
   * The provider key this try uses (the settings' apiKey): a stream relayed as the provider wrote
   * it (Anthropic's native Messages) is cleared of it when a failure event echoes it back.
   */
  apiKey?: string;
  /**
   * The client's Anthropic Messages body (POST /v1/messages), for a provider that takes it as it
   * came (only `anthropic`): sent unchanged but for `model`, answered in Anthropic's own bytes
   * (JSON verbatim, SSE relayed). Other providers ignore it and run the translated request.
   */
  nativeMessages?: unknown;
  /**
   * The client asked to see the model's reasoning (Responses' `reasoning.summary`), effort or
   * not: a provider that returns it only when asked for it (Gemini's thought summaries,
   * `includeThoughts`) asks for it. Others return their reasoning anyway or have none to give.
   */
  showReasoning?: boolean;
  /**
   * The target model's output limit (its models-table `max_output_tokens`), which the request's
   * ask was already lowered to; an adapter that picks a default or a thinking budget keeps within
   * it (anthropic/anthropic-limits.ts). Unset or null: unknown.
   */
  maxOutputTokens?: number | null;
  /**
   * The request's `tools`: an adapter that renames function names its API refuses (Gemini,
   * gemini-function-name.ts) gives the answer's calls the client's names back. Unset: none.
   */
  tools?: unknown;
  /**
   * The `tool_call_id` of the tool result the request's messages end with: the answer continues
   * that tool loop (DeepSeek's thinking models want its reasoning back in later turns, reasoning-quirk.ts). Unset: none.
   */
  followsToolCall?: string;
  /**
   * The request said `parallel_tool_calls: false`: an answer holds its first tool call only, even
   * from an upstream that ignores the flag (providers/shared/one-tool-call.ts). Unset: any number.
   */
  oneToolCall?: boolean;
  /**
   * The most thinking tokens this try may spend: set only where a budget's cap lowered the output
   * the target is sent (providers/shared/capped-thinking.ts), so an adapter that turns an effort into a token
   * budget (Gemini 2.5's thinkingBudget) keeps it below the cap. Unset: no cap, efforts as they map.
   */
  thinkingCap?: number;
  /**
   * The models OpenAI serves on /v1/responses only, by name and as learned from its 404 (the app's:
   * AdapterDeps.responsesOnly); the OpenAI adapter sends their chat calls there. Unset: by name only.
   */
  responsesOnly?: ResponsesOnlyModels;
}

/** Side services an adapter may need while building a call (kept out so adapters stay pure). */
export interface AdapterDeps {
  /** Downloads a remote image under the SSRF guard and returns it inline. */
  fetchImage(url: string, signal?: AbortSignal): Promise<{ mimeType: string; base64: string }>;
  /** Downloads a remote PDF (an Anthropic `document` by URL) under the same guard and limits, and returns it inline. */
  fetchDocument(url: string, signal?: AbortSignal): Promise<{ mimeType: string; base64: string }>;
  /** The mock provider's defaults (config LLM_PROXY__PROVIDERS__MOCK__LATENCY_MS / __CHUNKS). */
  mock?: { latencyMs: number; chunks: number };
  /** The app's reasoning memory for DeepSeek and Kimi tool loops (AppContext.reasoning). */
  reasoning?: ReasoningStore;
  /** The models OpenAI said it serves on /v1/responses only, learned at run time (providers/openai/responses-only-models.ts). */
  responsesOnly?: ResponsesOnlyModels;
}

/** What a stream transform learned while the bytes went by. */
export interface StreamTally {
  usage: Usage | null;
  /**
   * `usage` holds the upstream's prompt counts but not yet its final output count (Anthropic's
   * message_start carries a placeholder output_tokens; message_delta brings the real one; Gemini's
   * usageMetadata before the finishing chunk is a running total without the final candidates). A
   * stream that ends while this is set is billed its real prompt and the delivered text's output.
   */
  outputPending?: boolean;
  /**
   * Text (content + reasoning + tool arguments) delivered to the client, for estimating a cut
   * stream. Append with `tallyText` (src/providers/shared/tally-text.ts): it keeps only a bounded
   * sample so a huge stream is never held in memory.
   */
  deliveredText: string;
  /** What the stream bills beside its tokens, known before its usage (answer-usage.ts billExtrasOf): kept when no usage comes. */
  billExtras?: BillExtras;
  /** Characters delivered in all (deliveredText may hold only the first of them); unset = its length. */
  deliveredChars?: number;
  /**
   * The summary of a server-side compaction step the stream showed (Anthropic's `compaction` block;
   * '' from its start): Anthropic bills the step (the whole prompt read, the summary written), which
   * only message_delta's usage.iterations counts, so a stream cut before it bills an estimate of the step.
   */
  compaction?: string;
  finishReason: string | null;
  /** Bytes of the first chunk reached the client. */
  firstByteAt: number | null;
  /**
   * Set when a stream finished without usage the client could be given although it asked for it
   * (ChatCallContext.clientWantsUsage): what its chunks were named by, for the usage-only chunk
   * carrying the estimate that /v1/chat/completions sends before [DONE] (proxy/stream-relay.ts).
   */
  usageOwed?: ChunkEnvelope;
}

/** What names a stream's chunks: OpenAI's usage-only last chunk repeats it. */
export interface ChunkEnvelope {
  id: string;
  created: number;
  model: string;
  system_fingerprint?: string;
}

export interface ProviderAdapter {
  id: ProviderId;
  defaultBaseUrl: string;
  /**
   * It takes OpenAI's custom (freeform) tools and calls as they are (OpenAI); any other adapter's
   * calls get them as functions of one string, `input` (shared/custom-tools.ts).
   */
  customTools?: 'native';
  /** It runs Kimi's builtin tools (`builtin_function`: Moonshot); any other adapter's calls refuse them first (shared/builtin-tools.ts). */
  builtinTools?: true;
  buildChatCall(
    req: ChatRequest,
    ctx: ChatCallContext,
    settings: ProviderSettings,
    deps: AdapterDeps,
  ): Promise<UpstreamCall>;
  /**
   * Non-stream upstream JSON -> OpenAI chat.completion, with usage in OpenAI's convention.
   * `verbatim`: the completion is the upstream body unchanged, so its bytes may be sent as they came.
   * `billExtras`: what an answer without usage bills beside its estimated tokens (fees, tier).
   */
  parseChatResponse(body: unknown, ctx: ChatCallContext): { completion: ChatCompletion; usage: Usage | null; verbatim?: boolean; billExtras?: BillExtras };
  /**
   * Upstream SSE bytes -> OpenAI chat.completion.chunk SSE bytes (ending in `data: [DONE]`), as
   * the Transformer of a TransformStream: `new TransformStream(adapter.chatStream(...))`. The
   * proxy runs it inline on each upstream read instead (src/proxy/inline-transform.ts).
   */
  chatStream(ctx: ChatCallContext, tally: StreamTally): Transformer<Uint8Array, Uint8Array>;
  /** Answers calls in-process instead of over HTTP (the mock provider); unset: `fetch`. */
  transport?(call: UpstreamCall, signal: AbortSignal): Promise<Response>;
  /**
   * A try's upstream failure taught the adapter another way to make the call (OpenAI's 404 for a
   * model it serves on /v1/responses only): true, and the try is made once more, built anew.
   */
  learnFrom?(err: { upstreamStatus?: number | null; message: string }, ctx: ChatCallContext): boolean;
  /**
   * The output limit of this request, given its model's (the models table's `max_output_tokens`), where
   * a mode of the request changes it (DeepSeek's thinking mode: deepseek/deepseek-output-limit.ts); unset: the model's.
   */
  outputLimit?(req: Record<string, unknown>, limit: number | null): number | null;
}
