import { isProviderId } from '../providers/types';

/**
 * The name among `lists` that `name` matches but for letter case (the first found), for a 404's
 * hint; else, for `OpenAI/gpt-4o` (a provider prefix in another case, which no list holds: any id
 * after a provider's prefix is passed through), the name with its prefix as providers are named
 * (`openai/gpt-4o`); undefined when neither. Model ids and group names are matched exactly, as
 * OpenAI's model ids are (README, "Model names are case-sensitive"): a folded match would give one
 * group several names in allow-lists, prices and log rows. Only a 404 scans, never an answered request.
 */
export function caseTwin(name: string, ...lists: Iterable<string>[]): string | undefined {
  const listed = listedCaseTwin(name, ...lists);
  if (listed !== undefined) return listed;
  const slash = name.indexOf('/');
  const prefix = name.slice(0, slash).toLowerCase();
  return slash > 0 && prefix !== name.slice(0, slash) && isProviderId(prefix) ? prefix + name.slice(slash) : undefined;
}

/** The name among `lists` that `name` matches but for letter case (the first found): one that exists. */
export function listedCaseTwin(name: string, ...lists: Iterable<string>[]): string | undefined {
  const lower = name.toLowerCase();
  for (const list of lists) {
    for (const n of list) if (n.length === name.length && n !== name && n.toLowerCase() === lower) return n;
  }
  return undefined;
}
