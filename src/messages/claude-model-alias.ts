import { resolveConcrete } from '../routing/resolve-concrete';
import type { RuntimeSnapshot } from '../state/snapshot-types';

/**
 * Claude Code asks for dated Claude ids (`claude-sonnet-4-5-20250929`, `claude-haiku-4-5-20251001`,
 * older `claude-3-5-haiku-…`). Where the gateway cannot serve such a name as it is (no enabled
 * model or provider by that name, no group of that name), it goes to a group by family instead:
 * `claude-opus`, `claude-sonnet` or `claude-haiku` when an admin made one; else, with the
 * `anthropic` provider on, to Anthropic itself (`anthropic/<name>`: Anthropic serves its dated
 * ids, and routing prices one as its undated model); else the seeded tier that fits Claude Code's
 * use of the family (opus and sonnet do the agent's coding: `heavy-logic`; haiku does its small
 * fast tasks: `fast-flow`). So pointing Claude Code at the gateway is the only step.
 */
const FAMILY = /^(?:anthropic\/)?claude-(?:[\d.-]+-)?(opus|sonnet|haiku)(?:[-.@]|$)/i;
const SEEDED_TIER: Record<string, string> = { opus: 'heavy-logic', sonnet: 'heavy-logic', haiku: 'fast-flow' };

/** The name a Claude model name is routed by, or null when the name is served as it is (or is not Claude's). */
export function claudeModelAlias(name: string, snap: RuntimeSnapshot): string | null {
  const family = FAMILY.exec(name)?.[1]?.toLowerCase();
  if (!family || servable(name, snap)) return null;
  if (snap.groups.has(`claude-${family}`)) return `claude-${family}`;
  // A bare name the models table does not hold (one it holds but disabled stays off Anthropic);
  // `anthropic/…` with the provider on is servable, with it off goes to a tier.
  if (!name.includes('/') && !snap.models.has(name) && snap.providers.get('anthropic')?.enabled === true) return `anthropic/${name}`;
  const tier = SEEDED_TIER[family]!;
  return snap.groups.has(tier) ? tier : null;
}

/** Served as it is: a group, or a name chat resolves to a model (a disabled one is not, under any name). */
function servable(name: string, snap: RuntimeSnapshot): boolean {
  if (snap.groups.has(name)) return true;
  try {
    return resolveConcrete(name, snap) !== null;
  } catch {
    return false; // a disabled model or provider
  }
}
