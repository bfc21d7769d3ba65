// Microseconds per routing decision for heuristic groups (target: well under 50 µs).
// Run: bun bench/routing-decision.ts
import { seedGroupRows } from '../src/db/seed/model-groups';
import { PROVIDER_IDS, type ProviderId, type ProviderSettings } from '../src/providers/types';
import { resolveRoute } from '../src/routing/resolve-route';
import { routingTextOf } from '../src/routing/routing-text';
import type { GroupEntry, RuntimeSnapshot } from '../src/state/snapshot-types';
import type { ModelEntry } from '../src/providers/model-entry';

const MODELS: Record<string, ProviderId> = {
  'deepseek-v4-flash': 'deepseek', 'deepseek-v4-pro': 'deepseek', 'deepseek-chat': 'deepseek', 'deepseek-reasoner': 'deepseek',
  'gpt-5.4-nano': 'openai', 'gpt-5.4-mini': 'openai', 'gpt-4o-mini': 'openai', 'gpt-4o': 'openai',
  'gemini-3-flash-preview': 'gemini', 'gemini-2.0-flash': 'gemini', 'gemini-2.5-pro': 'gemini', 'grok-4.3': 'grok', 'kimi-k2.6': 'moonshot',
};
const prices = { input: 1, cachedInput: null, output: 1, reasoning: null, image: null };
const snap: RuntimeSnapshot = {
  version: 1,
  providers: new Map(PROVIDER_IDS.map((id): [ProviderId, ProviderSettings] => [id, { id, enabled: true, baseUrl: 'http://127.0.0.1:1' }])),
  models: new Map(Object.entries(MODELS).map(([id, provider]): [string, ModelEntry] => [id, { id, provider, upstreamId: id, kind: 'chat', enabled: true, prices }])),
  groups: new Map(
    seedGroupRows(0).map((r): [string, GroupEntry] => [
      r.name,
      { name: r.name, strategy: r.strategy, targets: r.targets, logicLevel: r.logicLevel ?? null, primaryUse: r.primaryUse ?? '', settings: r.settings ?? {} },
    ]),
  ),
  clientsByKeyHash: new Map(),
};

const code = '```ts\n' + 'const x = await fetch(url);\n'.repeat(40) + '```';
const bodies = {
  short: { messages: [{ role: 'user', content: 'What is the capital of France?' }] },
  coding: {
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: `There is a race condition somewhere, please debug:\n${code}` },
    ],
    tools: [{ type: 'function', function: { name: 'run' } }],
  },
  long: { messages: [{ role: 'user', content: 'Summarise this document. '.repeat(2000) }] },
};

const healthy = () => true;
const cases: [string, string, keyof typeof bodies][] = [
  ['fast-flow, short prompt', 'fast-flow', 'short'],
  ['heavy-logic, coding prompt', 'heavy-logic', 'coding'],
  ['standard-pro, 50 KB prompt', 'standard-pro', 'long'],
  ['dispatcher (heuristic fallback), coding', 'dispatcher', 'coding'],
  ['concrete model', 'gpt-4o', 'short'],
];

const N = 50_000;
for (const [label, requested, which] of cases) {
  const body = bodies[which];
  // Measured as the request path pays it: text view plus decision.
  for (let i = 0; i < 2_000; i++) resolveRoute(requested, routingTextOf(body), snap, healthy);
  const start = Bun.nanoseconds();
  for (let i = 0; i < N; i++) resolveRoute(requested, routingTextOf(body), snap, healthy);
  const us = (Bun.nanoseconds() - start) / N / 1000;
  console.log(`${label.padEnd(42)} ${us.toFixed(2).padStart(7)} µs/decision`);
}
