import { loadConfig } from './config';

type Env = Record<string, string | undefined>;

const PREFIX = 'LLM_PROXY__';

/** Every name loadConfig looks up (it reads each setting whatever the others say). */
export function settingNames(): Set<string> {
  const read = new Set<string>();
  const note = (k: string | symbol) => {
    if (typeof k === 'string') read.add(k);
    return undefined;
  };
  loadConfig(new Proxy({} as Env, { get: (_, k) => note(k), has: (_, k) => (note(k), false) }));
  return read;
}

/** `LLM_PROXY__SERVER_PORT` and `llm_proxy__server__port` both stand for LLM_PROXY__SERVER__PORT. */
const loose = (name: string) => name.toUpperCase().replace(/_+/g, '_');

/** Edits (insert, delete, replace a character) that turn `a` into `b`, given up past `max`. */
function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** The setting `name` stands for: the same but for case and underscores, else the nearest within two typos (none on a tie). */
function resembled(name: string, byLoose: Map<string, string>): string | undefined {
  const want = loose(name);
  const same = byLoose.get(want);
  if (same) return same;
  let best: string | undefined;
  let bestDistance = 3;
  let tie = false;
  for (const [l, setting] of byLoose) {
    const d = editDistance(want, l, 2);
    if (d < bestDistance) [best, bestDistance, tie] = [setting, d, false];
    else if (d === bestDistance) tie = true;
  }
  return tie ? undefined : best;
}

/**
 * One warning per `LLM_PROXY__` variable the gateway does not read: a misspelt setting (one
 * underscore for two, a provider that does not exist) is otherwise ignored without a word, and the
 * default it leaves in force is only noticed later. Names the setting it resembles when one does.
 */
export function unknownSettingWarnings(env: Env): string[] {
  const known = settingNames();
  const byLoose = new Map([...known].map((n) => [loose(n), n]));
  return Object.keys(env)
    .filter((name) => name.toUpperCase().startsWith(PREFIX.slice(0, -1)) && !known.has(name) && env[name] !== undefined)
    .sort()
    .map((name) => {
      const like = resembled(name, byLoose);
      return `gophergate: ${name} is not a setting; it is ignored${like ? ` (did you mean ${like}?)` : ''}. Every setting is listed in the README.`;
    });
}

/** Settings every provider has that the built-in mock, which calls no upstream, has no use for. */
const MOCK_UNUSED = ['LLM_PROXY__PROVIDERS__MOCK__BASE_URL', 'LLM_PROXY__PROVIDERS__MOCK__API_KEY'];

/**
 * One warning per `<P>` setting given for the mock provider that does nothing there: it answers
 * inside the gateway, so an upstream URL or a key (shown on the Providers page all the same) would
 * otherwise look as if the mock were calling something.
 */
export function mockUnusedSettingWarnings(env: Env): string[] {
  return MOCK_UNUSED.filter((name) => env[name]?.trim()).map(
    (name) => `gophergate: ${name} has no effect: the mock provider answers inside the gateway, without an upstream or a key (LLM_PROXY__PROVIDERS__MOCK__ENABLED, __MODELS, __LATENCY_MS and __CHUNKS are its settings).`,
  );
}

/** Settings of the shared Redis state, which act only with LLM_PROXY__REDIS__URL. */
const REDIS_ONLY = ['LLM_PROXY__REDIS__PREFIX', 'LLM_PROXY__LIMITS__FAIL_MODE'] as const;

/**
 * A warning for each Redis-only setting set without LLM_PROXY__REDIS__URL: an operator who set the
 * fail mode `closed` (or a prefix) and forgot the URL would otherwise believe it in force.
 */
export function redisUnusedSettingWarnings(env: Env): string[] {
  if (env.LLM_PROXY__REDIS__URL?.trim()) return [];
  return REDIS_ONLY.filter((name) => env[name]?.trim()).map(
    (name) => `gophergate: ${name} has no effect without LLM_PROXY__REDIS__URL: it is a setting of the shared Redis state (limits are counted in this instance's memory).`,
  );
}
