import { describe, expect, test } from 'bun:test';
import { seedGroupRows } from '../../src/db/seed/model-groups';
import { groupsAsModels } from '../../src/routing/groups-as-models';
import { makeSnapshot } from './snapshot-fixture';

describe('seeded groups', () => {
  test('exactly the issue table', () => {
    const rows = seedGroupRows(123).map((r) => [r.name, r.logicLevel, r.strategy, r.targets.join(', '), r.primaryUse]);
    expect(rows).toEqual([
      ['fast-flow', 2, 'heuristic', 'deepseek-v4-flash, gpt-5.4-nano', 'Classification, JSON, Basic Q&A'],
      ['standard-pro', 5, 'heuristic', 'gpt-5.4-mini, gemini-3-flash-preview', 'General Assistant, Long Docs'],
      ['heavy-logic', 9, 'heuristic', 'grok-4.3, kimi-k2.6, deepseek-v4-pro', 'Complex Coding, Logic, Agents'],
      ['dispatcher', null, 'classifier', 'fast-flow, standard-pro, heavy-logic', 'Auto-dispatches by complexity'],
      ['deepseek-auto', null, 'heuristic', 'deepseek-chat, deepseek-reasoner', 'Legacy provider group'],
      ['openai-auto', null, 'heuristic', 'gpt-4o-mini, gpt-4o', 'Legacy provider group'],
      ['gemini-auto', null, 'heuristic', 'gemini-2.0-flash, gemini-2.5-pro', 'Legacy provider group'],
    ]);
    const dispatcher = seedGroupRows(0).find((r) => r.name === 'dispatcher')!;
    expect(dispatcher.settings).toMatchObject({ threshold: 10, classifier_model: 'openai/gpt-5.4-nano', scale_min: 1, scale_max: 10 });
    expect(seedGroupRows(123).every((r) => r.updatedAt === 123)).toBe(true);
  });
});

describe('groupsAsModels', () => {
  test('lists every group as an OpenAI model object with its metadata', () => {
    const list = groupsAsModels(makeSnapshot(), 1700000000);
    expect(list.map((m) => m.id)).toEqual(['deepseek-auto', 'dispatcher', 'fast-flow', 'gemini-auto', 'heavy-logic', 'openai-auto', 'standard-pro']);
    expect(list.find((m) => m.id === 'heavy-logic')).toEqual({
      id: 'heavy-logic',
      object: 'model',
      created: 1700000000,
      owned_by: 'gophergate',
      group: true,
      strategy: 'heuristic',
      targets: ['grok-4.3', 'kimi-k2.6', 'deepseek-v4-pro'],
      logic_level: 9,
      primary_use: 'Complex Coding, Logic, Agents',
    });
  });
});
