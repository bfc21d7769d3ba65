import type { ProviderId } from '../providers/types';
import type { ModelEntry } from '../providers/model-entry';

/** One concrete place a request can go. */
export interface RouteTarget {
  provider: ProviderId;
  /** Id sent upstream. */
  upstreamModel: string;
  /** Id as the gateway knows it (`gpt-4o`, or `ollama/llama3` for a pass-through). */
  modelId: string;
  /** The models-table entry, when there is one (prices come from it). */
  entry: ModelEntry | null;
}

/** What routing decided: the first target is tried first, the rest are fallbacks in order. */
export interface RouteDecision {
  requested: string;
  targets: RouteTarget[];
  /** Names walked, ending in the concrete model: `dispatcher>heavy-logic>deepseek-v4-pro`. */
  path: string[];
  /** Why this target, in words (e.g. "heuristic: code block", "classifier score 8 -> bucket 3"). */
  reason: string;
  /**
   * The path of every target, parallel to `targets` (`path` is `targetPaths[0]`), so the route
   * reported after a fallback names the model that answered. Use `routeOf(decision, target)`.
   */
  targetPaths?: string[][];
  /**
   * Targets left out for an open circuit while others were healthy: not tried, but the soonest
   * one's probe is a wait the client may be told when every target tried fails (walk-targets.ts).
   */
  skippedOpen?: RouteTarget[];
}

/**
 * The text view of a request that strategies read: built once per request by
 * `routingTextOf` (src/routing/routing-text.ts) so rules never walk the body again.
 */
export interface RoutingText {
  /** Text of the last user message (what the task is). */
  lastUser: string;
  /** Characters of every message's text together (system, history, last user). */
  totalChars: number;
  /** The request offers tools or functions. */
  hasTools: boolean;
  /** Number of messages (or Responses API input items). */
  messageCount: number;
}

/** Health of a concrete target as routing sees it: false while its breaker is open. */
export type HealthCheck = (provider: ProviderId, model: string) => boolean;
