import type { ProviderId } from '../providers/types';
import type { ModelEntry } from '../state/snapshot-types';

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
}
