import type { modelGroups } from '../schema/model-groups';

type GroupRow = typeof modelGroups.$inferInsert;

/**
 * The groups seeded at every start where missing (editable later in the dashboard; so not
 * deletable: SEEDED_GROUP_NAMES). Heuristic groups carry no
 * `rules`, so they use DEFAULT_HEURISTIC_RULES (src/routing/heuristic-strategy.ts) and pick up
 * improvements to the defaults; the dispatcher rates with a cheap model and falls back to the
 * same heuristic when the classifier fails.
 */
export function seedGroupRows(now: number): GroupRow[] {
  const legacy = 'Legacy provider group';
  const rows: Omit<GroupRow, 'updatedAt'>[] = [
    { name: 'fast-flow', strategy: 'heuristic', targets: ['deepseek-v4-flash', 'gpt-5.4-nano'], logicLevel: 2, primaryUse: 'Classification, JSON, Basic Q&A', settings: {} },
    { name: 'standard-pro', strategy: 'heuristic', targets: ['gpt-5.4-mini', 'gemini-3-flash-preview'], logicLevel: 5, primaryUse: 'General Assistant, Long Docs', settings: {} },
    { name: 'heavy-logic', strategy: 'heuristic', targets: ['grok-4.3', 'kimi-k2.6', 'deepseek-v4-pro'], logicLevel: 9, primaryUse: 'Complex Coding, Logic, Agents', settings: {} },
    {
      name: 'dispatcher',
      strategy: 'classifier',
      targets: ['fast-flow', 'standard-pro', 'heavy-logic'],
      logicLevel: null,
      primaryUse: 'Auto-dispatches by complexity',
      settings: { classifier_model: 'openai/gpt-5.4-nano', scale_min: 1, scale_max: 10, threshold: 10, timeout_ms: 3000 },
    },
    { name: 'deepseek-auto', strategy: 'heuristic', targets: ['deepseek-chat', 'deepseek-reasoner'], logicLevel: null, primaryUse: legacy, settings: {} },
    { name: 'openai-auto', strategy: 'heuristic', targets: ['gpt-4o-mini', 'gpt-4o'], logicLevel: null, primaryUse: legacy, settings: {} },
    { name: 'gemini-auto', strategy: 'heuristic', targets: ['gemini-2.0-flash', 'gemini-2.5-pro'], logicLevel: null, primaryUse: legacy, settings: {} },
  ];
  return rows.map((r) => ({ ...r, updatedAt: now }));
}

/** Names of the seeded groups: the seed adds each back at every start, so they cannot be deleted. */
export const SEEDED_GROUP_NAMES: readonly string[] = seedGroupRows(0).map((r) => r.name);
