/**
 * A model of a provider as the runtime snapshot holds it, beside its ProviderSettings (types.ts):
 * its ids, kind and prices (state/snapshot-types.ts holds the snapshot itself; routing's
 * RouteTarget carries one of these).
 */
import type { ProviderId } from './types';
import type { ModelPrices } from '../usage/price-types';

export interface ModelEntry {
  /** Id clients use (`gpt-4o`). */
  id: string;
  provider: ProviderId;
  /** Id sent upstream. */
  upstreamId: string;
  kind: 'chat' | 'image' | 'embedding';
  enabled: boolean;
  prices: ModelPrices;
  /** Tokens of prompt plus output the model takes, when known (bounds a budget's worst case). */
  contextWindow?: number | null;
  /** The most output tokens the model writes per answer, when known: a request asking more is sent with this many. */
  maxOutputTokens?: number | null;
  /**
   * Not a models-table row: priced from the bundled genai-prices data for a `provider/<id>` the
   * table lacks (its `kind` is a guess, so endpoint kind checks let it through).
   */
  unlisted?: boolean;
  /** No price is known (a paid provider's id from LLM_PROXY__PROVIDERS__<P>__MODELS that genai-prices lacks): its zero prices are not real. */
  unpriced?: boolean;
}
