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
      const like = byLoose.get(loose(name));
      return `gophergate: ${name} is not a setting; it is ignored${like ? ` (did you mean ${like}?)` : ''}. Every setting is listed in the README.`;
    });
}
