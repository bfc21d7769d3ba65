import { describe, expect, test } from 'bun:test';
import { createBreakerRegistry } from '../../src/routing/circuit-breaker';
import { resolveRoute } from '../../src/routing/resolve-route';
import { makeSnapshot, textOf } from './snapshot-fixture';

function setup(failureThreshold = 3, cooldownMs = 1000) {
  const clock = { t: 10_000 };
  const b = createBreakerRegistry({ failureThreshold, cooldownMs, now: () => clock.t });
  return { b, clock };
}

describe('circuit breaker state machine', () => {
  test('closed -> open after N consecutive failures -> half_open after the cool-down -> closed on a good probe', () => {
    const { b, clock } = setup();
    b.onFailure('openai');
    b.onFailure('openai');
    expect(b.state('openai')).toBe('closed');
    expect(b.allow('openai')).toBe(true);
    b.onFailure('openai');
    expect(b.state('openai')).toBe('open');
    expect(b.allow('openai')).toBe(false);
    expect(b.available('openai')).toBe(false);
    expect(b.retryAfterMs('openai')).toBe(1000);
    clock.t += 400;
    expect(b.retryAfterMs('openai')).toBe(600);
    clock.t += 600;
    expect(b.state('openai')).toBe('half_open');
    expect(b.available('openai')).toBe(true);
    expect(b.allow('openai')).toBe(true); // the probe
    expect(b.allow('openai')).toBe(false); // only one at a time
    expect(b.available('openai')).toBe(false);
    b.onSuccess('openai');
    expect(b.state('openai')).toBe('closed');
    expect(b.allow('openai')).toBe(true);
    expect(b.list()).toEqual([]);
  });

  test('a failed probe opens the circuit again for a full cool-down', () => {
    const { b, clock } = setup();
    for (let i = 0; i < 3; i++) b.onFailure('grok');
    clock.t += 1000;
    expect(b.allow('grok')).toBe(true);
    b.onFailure('grok');
    expect(b.state('grok')).toBe('open');
    expect(b.retryAfterMs('grok')).toBe(1000);
    clock.t += 999;
    expect(b.allow('grok')).toBe(false);
    clock.t += 1;
    expect(b.allow('grok')).toBe(true);
  });

  test('a success resets the consecutive count', () => {
    const { b } = setup();
    b.onFailure('gemini');
    b.onFailure('gemini');
    b.onSuccess('gemini');
    b.onFailure('gemini');
    b.onFailure('gemini');
    expect(b.state('gemini')).toBe('closed');
  });

  test('a probe that never reports back frees its slot after a cool-down', () => {
    const { b, clock } = setup();
    for (let i = 0; i < 3; i++) b.onFailure('ollama');
    clock.t += 1000;
    expect(b.allow('ollama')).toBe(true);
    clock.t += 500;
    expect(b.allow('ollama')).toBe(false);
    clock.t += 500;
    expect(b.allow('ollama')).toBe(true);
  });

  test('a released probe (it never reached the upstream) frees the slot at once', () => {
    const { b, clock } = setup();
    for (let i = 0; i < 3; i++) b.onFailure('ollama', 'llama3');
    clock.t += 1000;
    expect(b.allow('ollama', 'llama3')).toBe(true);
    expect(b.allow('ollama', 'llama3')).toBe(false);
    b.release('ollama', 'llama3');
    expect(b.list().find((c) => c.key === 'ollama/llama3')?.state).toBe('half_open');
    expect(b.allow('ollama', 'llama3')).toBe(true);
    // On a closed circuit a release changes nothing.
    b.release('openai', 'gpt-4o');
    expect(b.list().map((c) => c.key)).toEqual(['ollama', 'ollama/llama3']);
  });

  test("one model's failures alone never open its provider; two models' or provider-wide ones do", () => {
    const { b } = setup();
    for (let i = 0; i < 10; i++) b.onFailure('grok', 'grok-4.3');
    expect(b.state('grok')).toBe('closed');
    expect(b.allow('grok', 'grok-4.3')).toBe(false);
    expect(b.allow('grok', 'grok-3-mini')).toBe(true);
    b.onFailure('grok', 'grok-3-mini');
    expect(b.state('grok')).toBe('open');
    b.reset();
    for (let i = 0; i < 3; i++) b.onFailure('grok', 'grok-4.3', { providerWide: true });
    expect(b.state('grok')).toBe('open');
  });

  test('one failing model opens alone while its provider keeps serving others', () => {
    const { b } = setup();
    for (let i = 0; i < 3; i++) {
      b.onFailure('openai', 'gpt-4o');
      b.onSuccess('openai', 'gpt-4o-mini');
    }
    expect(b.allow('openai', 'gpt-4o')).toBe(false);
    expect(b.allow('openai', 'gpt-4o-mini')).toBe(true);
    expect(b.state('openai')).toBe('closed');
    expect(b.retryAfterMs('openai', 'gpt-4o')).toBe(1000);
    expect(b.list()).toEqual([{ key: 'openai/gpt-4o', state: 'open', failures: 3, retryAfterMs: 1000 }]);
  });

  test('an open provider blocks all its models', () => {
    const { b } = setup();
    for (let i = 0; i < 3; i++) b.onFailure('deepseek', `m${i}`);
    expect(b.state('deepseek')).toBe('open');
    expect(b.allow('deepseek', 'deepseek-chat')).toBe(false);
    expect(b.allow('openai', 'gpt-4o')).toBe(true);
  });

  test('defaults: 5 failures, 30 s', () => {
    let t = 0;
    const b = createBreakerRegistry({ now: () => t });
    for (let i = 0; i < 4; i++) b.onFailure('moonshot');
    expect(b.state('moonshot')).toBe('closed');
    b.onFailure('moonshot');
    expect(b.state('moonshot')).toBe('open');
    t = 29_999;
    expect(b.state('moonshot')).toBe('open');
    t = 30_000;
    expect(b.state('moonshot')).toBe('half_open');
  });

  test('reset closes one provider with its models, or everything', () => {
    const { b } = setup();
    for (let i = 0; i < 3; i++) {
      b.onFailure('openai', 'gpt-4o');
      b.onFailure('grok');
    }
    b.reset('openai');
    expect(b.allow('openai', 'gpt-4o')).toBe(true);
    expect(b.state('grok')).toBe('open');
    b.reset();
    expect(b.state('grok')).toBe('closed');
    expect(b.list()).toEqual([]);
  });

  test('routing skips targets whose breaker is open', () => {
    const { b } = setup();
    for (let i = 0; i < 3; i++) b.onFailure('grok');
    const d = resolveRoute('heavy-logic', textOf('hi'), makeSnapshot(), b.available);
    expect(d.targets.map((t) => t.modelId)).toEqual(['kimi-k2.6', 'deepseek-v4-pro']);
    expect(d.path).toEqual(['heavy-logic', 'kimi-k2.6']);
  });
});
