import type { RouteTarget } from '../routing/types';
import type { KeyLimits, ScopeLimits } from '../limits/limit-types';
import type { ProviderId, ProviderSettings } from '../providers/types';
import type { ModelEntry } from '../providers/model-entry';

export interface GroupEntry {
  name: string;
  strategy: 'heuristic' | 'classifier';
  /** Model ids or group names, weakest/fastest first. */
  targets: string[];
  logicLevel: number | null;
  primaryUse: string;
  settings: Record<string, unknown>;
}

export interface ClientEntry {
  id: number;
  name: string;
  revoked: boolean;
  /** Null when neither the key nor a team limits it: the request path then skips src/limits/. */
  limits?: KeyLimits | null;
}

/** A team of client keys; its limits apply on top of each member key's own. */
export interface TeamEntry {
  id: number;
  name: string;
  scope: ScopeLimits;
}

/**
 * Everything the request path reads, held in memory and swapped whole when an admin changes
 * something (so no request ever waits on SQLite).
 */
export interface RuntimeSnapshot {
  version: number;
  providers: ReadonlyMap<ProviderId, ProviderSettings>;
  models: ReadonlyMap<string, ModelEntry>;
  /**
   * Each model's route target, by model id, made once per snapshot instead of per request (a
   * routing decision keeps its targets while the request waits on its upstream). Unset in
   * hand-made snapshots: resolveConcrete then makes them as it goes.
   */
  modelTargets?: ReadonlyMap<string, RouteTarget>;
  groups: ReadonlyMap<string, GroupEntry>;
  /** SHA-256 hex of the client key -> client. */
  clientsByKeyHash: ReadonlyMap<string, ClientEntry>;
  clientsById?: ReadonlyMap<number, ClientEntry>;
  teams?: ReadonlyMap<number, TeamEntry>;
  /**
   * The prices of `provider/<id>` for an id the models table lacks, from the bundled genai-prices
   * data (null: unknown there too). Unset in hand-made snapshots: such ids are unpriced.
   */
  unlistedModel?: UnlistedModelLookup;
}

/** genai-prices' entry of an unlisted `provider/<id>`; `held` says what it remembers (tests and diagnostics). */
export type UnlistedModelLookup = ((provider: ProviderId, id: string) => ModelEntry | null) & {
  held?: () => { names: number; chars: number };
};
