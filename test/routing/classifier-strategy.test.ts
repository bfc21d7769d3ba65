import { describe, expect, test } from 'bun:test';
import { parseScore, type CallModel, type ClassifierMessage } from '../../src/routing/classifier-strategy';
import { routeRequest } from '../../src/routing/route-request';
import { ScoreCache } from '../../src/routing/score-cache';
import type { HealthCheck, RouteTarget } from '../../src/routing/types';
import { holdEventLoop } from '../helpers/hold-event-loop';
import { allHealthy, group, makeSnapshot, model } from './snapshot-fixture';

describe('parseScore', () => {
  const cases: [string, number | null][] = [
    ['8', 8],
    [' 7\n', 7],
    ['8/10', 8],
    ['Score: 7', 7],
    ['I would rate this a 6 out of 10.', 6],
    ['On a 1-10 scale this is 9', 9],
    ['7.6', 8],
    ['<think>maybe 2 or 3</think>5', 5],
    ['maybe 2 or 3\n</think>\n\n5', 5],
    ['<think>maybe 2 or 3', null],
    ['11', null],
    ['0', null],
    ['-4', null],
    ['Rating: 15, no wait, 4', 4],
    ['banana', null],
    ['', null],
  ];
  for (const [answer, expected] of cases) test(JSON.stringify(answer), () => expect(parseScore(answer, 1, 10)).toBe(expected));
  test('another scale', () => {
    expect(parseScore('4', 1, 5)).toBe(4);
    expect(parseScore('4/5', 1, 5)).toBe(4);
    expect(parseScore('8', 1, 5)).toBeNull();
  });
});

interface FakeCall {
  target: RouteTarget;
  messages: ClassifierMessage[];
  signal: AbortSignal;
}

/** A stand-in for the proxy's non-stream call that records what it was asked. */
function fakeModel(answer: (call: FakeCall) => Promise<string> | string) {
  const calls: FakeCall[] = [];
  const callModel: CallModel = async (target, messages, signal) => {
    const call = { target, messages, signal };
    calls.push(call);
    const text = await answer(call);
    return { text, usage: { input: 50, cachedInput: 0, output: 1, reasoning: 0 } };
  };
  return { calls, callModel };
}

const body = (content: string) => ({ model: 'dispatcher', messages: [{ role: 'user', content }] });

describe('routeRequest with the seeded dispatcher', () => {
  const snap = makeSnapshot();
  const run = (content: string, callModel: CallModel, cache = new ScoreCache(), health: HealthCheck = allHealthy) =>
    routeRequest('dispatcher', body(content), { snap, health, callModel, cache });

  const good = [
    { answer: '2', route: 'dispatcher>fast-flow>deepseek-v4-flash' },
    { answer: 'Score: 5', route: 'dispatcher>standard-pro>gpt-5.4-mini' },
    { answer: '8/10', route: 'dispatcher>heavy-logic>grok-4.3' },
    { answer: '10', route: 'dispatcher>heavy-logic>grok-4.3' },
  ];
  for (const c of good) {
    test(`classifier answers ${JSON.stringify(c.answer)}`, async () => {
      const fake = fakeModel(() => c.answer);
      const r = await run('hello there', fake.callModel);
      expect(r.decision.path.join('>')).toBe(c.route);
      expect(r.decision.reason).toContain('dispatcher: classifier score');
      expect(fake.calls).toHaveLength(1);
      // The classifier is routed to its own provider, named as provider/model in the seed.
      expect(fake.calls[0]!.target).toMatchObject({ provider: 'openai', upstreamModel: 'gpt-5.4-nano' });
      expect(fake.calls[0]!.messages[0]!.content).toContain('scale from 1 to 10');
      expect(fake.calls[0]!.messages[1]!.content).toContain('hello there');
      expect(r.classifierCalls).toHaveLength(1);
      expect(r.classifierCalls[0]).toMatchObject({ group: 'dispatcher', error: null, usage: { input: 50, output: 1 } });
    });
  }

  test('a garbage answer falls back to the heuristic and says so (the call is still logged)', async () => {
    const fake = fakeModel(() => 'I cannot rate that.');
    const r = await run('Prove that P != NP step by step', fake.callModel);
    expect(r.decision.path.join('>')).toBe('dispatcher>heavy-logic>deepseek-v4-pro');
    expect(r.decision.reason).toContain('classifier failed (unparseable answer "I cannot rate that."), heuristic');
    expect(r.classifierCalls[0]).toMatchObject({ score: null, usage: { input: 50 } });
  });

  test('a timeout falls back to the heuristic and aborts the call', async () => {
    const s = makeSnapshot({
      groups: [group('auto', ['gpt-4o-mini', 'gpt-4o'], { strategy: 'classifier', settings: { classifier_model: 'gpt-5.4-nano', timeout_ms: 30 } })],
    });
    let seen: AbortSignal | null = null;
    const callModel: CallModel = (_t, _m, signal) => {
      seen = signal;
      return new Promise(() => {}); // never answers, ignores the signal
    };
    const r = await routeRequest('auto', body('refactor this'), { snap: s, health: allHealthy, callModel, cache: new ScoreCache() });
    expect(r.decision.path).toEqual(['auto', 'gpt-4o']);
    expect(r.decision.reason).toContain('classifier failed (timeout after 30 ms), heuristic: coding task');
    expect(seen!.aborted).toBe(true);
    expect(r.classifierCalls[0]!.error).toBe('timeout after 30 ms');
  });

  test('an answer that came while the event loop was held up past the timeout is used', async () => {
    const s = makeSnapshot({
      groups: [group('auto', ['gpt-4o-mini', 'gpt-4o'], { strategy: 'classifier', settings: { classifier_model: 'gpt-5.4-nano', timeout_ms: 200 } })],
    });
    // The answer arrives as I/O (a socket's data) while the loop is held up (test/helpers/hold-event-loop.ts).
    let answer!: (text: string) => void;
    const answered = new Promise<string>((r) => (answer = r));
    const upstream = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data: () => answer('2') } });
    const sender = await Bun.connect({ hostname: '127.0.0.1', port: upstream.port, socket: { data() {} } });
    let called = false;
    const callModel: CallModel = async () => {
      called = true;
      return { text: await answered, usage: { input: 50, cachedInput: 0, output: 1, reasoning: 0 } };
    };
    try {
      const routed = routeRequest('auto', body('refactor this'), { snap: s, health: allHealthy, callModel, cache: new ScoreCache() });
      while (!called) await Bun.sleep(1);
      await holdEventLoop(1800, () => void sender.write('x'));
      const r = await routed;
      expect(r.classifierCalls[0]).toMatchObject({ score: 2, error: null });
      expect(r.decision.reason).toContain('classifier score 2');
    } finally {
      sender.end();
      upstream.stop(true);
    }
  });

  test('an upstream error falls back to the heuristic', async () => {
    const fake = fakeModel(() => {
      throw new Error('upstream 500');
    });
    const r = await run('hi', fake.callModel);
    expect(r.decision.path.join('>')).toBe('dispatcher>fast-flow>deepseek-v4-flash');
    expect(r.decision.reason).toContain('classifier failed (upstream 500)');
  });

  test('an open classifier circuit skips the call', async () => {
    const fake = fakeModel(() => '9');
    const r = await run('hi', fake.callModel, new ScoreCache(), (p) => p !== 'openai');
    expect(fake.calls).toHaveLength(0);
    expect(r.decision.reason).toContain('classifier failed (classifier openai circuit open)');
    expect(r.classifierCalls).toEqual([]);
  });

  test('identical prompts reuse the score; different prompts do not', async () => {
    const fake = fakeModel(() => '9');
    const cache = new ScoreCache();
    const first = await run('design a lock-free queue', fake.callModel, cache);
    const second = await run('design a lock-free queue', fake.callModel, cache);
    expect(fake.calls).toHaveLength(1);
    expect(second.decision.path).toEqual(first.decision.path);
    expect(second.decision.reason).toContain('classifier score 9 on 1-10 (cached)');
    expect(second.classifierCalls).toEqual([]);
    await run('design a lock-free stack', fake.callModel, cache);
    expect(fake.calls).toHaveLength(2);
  });

  test('failures are not cached', async () => {
    let answer = 'nope';
    const fake = fakeModel(() => answer);
    const cache = new ScoreCache();
    await run('same prompt', fake.callModel, cache);
    answer = '9';
    const r = await run('same prompt', fake.callModel, cache);
    expect(fake.calls).toHaveLength(2);
    expect(r.decision.path[1]).toBe('heavy-logic');
  });

  test('a concrete model never calls the classifier', async () => {
    const fake = fakeModel(() => '9');
    const r = await routeRequest('gpt-4o', body('prove it'), { snap, health: allHealthy, callModel: fake.callModel, cache: new ScoreCache() });
    expect(r.decision.path).toEqual(['gpt-4o']);
    expect(fake.calls).toHaveLength(0);
  });

  test('classifier groups nested under a classifier group are each scored', async () => {
    const s = makeSnapshot({
      models: [model('a', 'openai'), model('b', 'openai'), model('c', 'deepseek'), model('judge', 'moonshot')],
      groups: [
        group('outer', ['a', 'inner'], { strategy: 'classifier', settings: { classifier_model: 'judge', scale_min: 1, scale_max: 5 } }),
        group('inner', ['b', 'c'], { strategy: 'classifier', settings: { classifier_model: 'judge' } }),
      ],
    });
    const fake = fakeModel((c) => (c.messages[0]!.content.includes('1 to 5') ? '5' : '10'));
    const r = await routeRequest('outer', body('x'), { snap: s, health: allHealthy, callModel: fake.callModel, cache: new ScoreCache() });
    expect(r.decision.path).toEqual(['outer', 'inner', 'c']);
    expect(r.classifierCalls.map((c) => c.group)).toEqual(['outer', 'inner']);
    // A bare classifier id goes to that model's own provider.
    expect(fake.calls[0]!.target.provider).toBe('moonshot');
  });
});

describe('ScoreCache', () => {
  test('entries expire after the TTL and the oldest is evicted past the bound', () => {
    let t = 0;
    const cache = new ScoreCache(2, 1000, () => t);
    cache.set('a', 1);
    t = 1000;
    expect(cache.get('a')).toBe(1);
    t = 1001;
    expect(cache.get('a')).toBeNull();
    cache.set('x', 1);
    cache.set('y', 2);
    expect(cache.get('x')).toBe(1); // x is now the most recently used
    cache.set('z', 3);
    expect(cache.get('y')).toBeNull();
    expect(cache.get('x')).toBe(1);
    expect(cache.size).toBe(2);
  });
});
