import type { Usage } from '../../usage/types';
import type { AdapterDeps, ChatCallContext, ProviderId, ProviderSettings, StreamTally, UpstreamBody, UpstreamCall } from '../types';
import type { PrefillSupport } from './prefill';

export interface RequestHookInfo {
  ctx: ChatCallContext;
  settings: ProviderSettings;
  deps: AdapterDeps;
}

/**
 * Settings of one OpenAI-compatible provider (shaped after the Vercel AI SDK's
 * `createOpenAICompatible`): most providers are only an id and a base URL; quirks live in hooks.
 */
export interface OpenAICompatibleOptions {
  id: ProviderId;
  /** Used when neither env nor the dashboard set a base URL. */
  defaultBaseUrl: string;
  /** Extra headers for every call (after Authorization and Content-Type). */
  headers?: (settings: ProviderSettings) => Record<string, string>;
  /**
   * How the provider continues a final assistant message (prefill.ts): Kimi's `partial`, DeepSeek's
   * `prefix` at its beta base URL. Absent: it cannot, and the flags are taken off.
   */
  prefill?: PrefillSupport;
  /**
   * The upstream takes chat's `tool_choice` `allowed_tools` as it is (OpenAI). Absent: the choice goes
   * as the allowed tools and its mode (providers/shared/allowed-tools.ts).
   */
  allowedTools?: 'native';
  /** The upstream runs Kimi's builtin tools (`builtin_function`: Moonshot). Absent: they are refused before the call (shared/builtin-tools.ts). */
  builtinTools?: true;
  /** Rewrites the outgoing body (a shallow copy the hook may mutate) for a provider quirk. */
  transformRequestBody?: (body: UpstreamBody, info: RequestHookInfo) => UpstreamBody | Promise<UpstreamBody>;
  /**
   * Edits a parsed non-stream response in place before the gateway reads it. Returning `false`
   * says nothing was changed, so the upstream's bytes may go on as they are.
   */
  transformResponse?: (body: any, ctx?: ChatCallContext) => void | boolean;
  /** Edits one parsed stream chunk in place; returns true when it changed it (so it is re-serialised). */
  transformChunk?: (chunk: any) => boolean;
  /**
   * Like transformChunk, but made once per stream, for a hook that keeps state across the
   * chunks of one stream (DeepSeek gathers reasoning deltas). Used instead of transformChunk.
   */
  streamChunkHook?: (ctx: ChatCallContext, tally: StreamTally) => (chunk: any) => boolean;
  /**
   * Finish reasons of this provider that mean it gave up on the answer rather than ended it
   * (DeepSeek's `insufficient_system_resource`): the request fails, retryable, as a 503 would.
   */
  unfinishedReasons?: readonly string[];
  /** The upstream `usage` object -> canonical Usage; default: the usage module's normaliser for this provider. */
  convertUsage?: (raw: any) => Usage | null;
  /**
   * Adds to an answer's usage, in place, what the provider bills beside the tokens that the answer
   * does not count (OpenAI's search models: one web search per answer; Kimi's `$web_search` calls), given
   * the upstream model id and the answer or stream chunk the usage came on.
   */
  addFees?: (usage: Usage, model: string, answer: any) => void;
  /** Answers in-process instead of over HTTP (the mock provider). */
  transport?: (call: UpstreamCall, signal: AbortSignal) => Promise<Response>;
}
