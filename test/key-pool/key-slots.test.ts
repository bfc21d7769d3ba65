/** Per-model key states without HTTP: which providers count per model, and the bound on models' states. */
import { describe, expect, test } from 'bun:test';
import { UpstreamError } from '../../src/errors/api-error';
import { ProviderKeyPool } from '../../src/key-pool/key-pool';
import { rateLimitScope } from '../../src/key-pool/key-slots';
import { MemoryKeyStateStore } from '../../src/key-pool/key-state-store';
import type { PoolKey } from '../../src/providers/types';

const key: PoolKey = { id: '7', label: 'k', last4: 'abcd', weight: 1, apiKey: 'sk-k' };
const limited = () => new UpstreamError('openai', 429, 'HTTP 429', true, undefined, 'rate_limit_exceeded', { 'retry-after': '30' });

describe('rateLimitScope', () => {
  test.each([
    ['openai', 'gpt-4o', 'gpt-4o'],
    ['gemini', 'gemini-2.5-flash', 'gemini-2.5-flash'],
    ['grok', 'grok-4', 'grok-4'],
    ['anthropic', 'claude-opus-4-6', 'class:opus-4'],
    ['anthropic', 'claude-opus-4-20250514', 'class:opus-4'],
    ['anthropic', 'claude-sonnet-4-5-20250929', 'class:sonnet-4'],
    ['anthropic', 'claude-haiku-4-5', 'class:haiku-4'],
    ['anthropic', 'claude-3-5-haiku-20241022', 'class:haiku-3.5'],
    ['anthropic', 'claude-3-opus-20240229', 'class:opus-3'],
    ['deepseek', 'deepseek-chat', null],
    ['moonshot', 'kimi-k2', null],
  ] as const)('%s %s -> %s', (provider, model, scope) => {
    expect(rateLimitScope(provider, model)).toBe(scope);
  });
});

describe('models\' states are bounded', () => {
  test('with no room for another model, an ended cooldown makes room, else the oldest model\'s state goes (never the whole key)', () => {
    const clock = { now: 1_700_000_000_000 };
    const pool = new ProviderKeyPool(new MemoryKeyStateStore(2), () => clock.now);
    pool.reportFailure('openai', key, limited(), 'gpt-4o');
    pool.reportFailure('openai', key, limited(), 'gpt-4o-mini');
    expect(pool.stateOf('openai', key.id).state).toBe('active');
    pool.reportFailure('openai', key, limited(), 'gpt-4.1');
    // Before: the whole key cooled, so a client naming enough unknown models rested it for every model.
    expect(pool.stateOf('openai', key.id).state).toBe('active');
    expect(pool.stateOf('openai', key.id, 'gpt-4o')).toEqual({ state: 'active' });
    expect(pool.stateOf('openai', key.id, 'gpt-4o-mini')).toEqual({ state: 'cooling', until: clock.now + 30_000 });
    expect(pool.stateOf('openai', key.id, 'gpt-4.1')).toEqual({ state: 'cooling', until: clock.now + 30_000 });
    pool.reset('openai', key.id);
    expect(pool.stateOf('openai', key.id, 'gpt-4o')).toEqual({ state: 'active' });
    // Full again, then both cooldowns end: a new model's 429 takes an ended one's place.
    pool.reportFailure('openai', key, limited(), 'gpt-4o');
    pool.reportFailure('openai', key, limited(), 'gpt-4o-mini');
    clock.now += 30_000;
    pool.reportFailure('openai', key, limited(), 'gpt-4.1');
    expect(pool.stateOf('openai', key.id).state).toBe('active');
    expect(pool.stateOf('openai', key.id, 'gpt-4.1')).toEqual({ state: 'cooling', until: clock.now + 30_000 });
  });
});
