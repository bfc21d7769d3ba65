import { badRequest } from '../errors/api-error';

/**
 * How deep arrays and objects may nest in a request body. JSON.parse takes any depth, but
 * serialising it again for the upstream (or for storage) overflows the stack somewhere past
 * 10,000 levels; no real request comes near this.
 */
export const MAX_JSON_DEPTH = 256;

export const nestedTooDeep = () =>
  badRequest(`The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`, null, 'invalid_json');

/** Whether `value` (parsed JSON) nests arrays and objects more than `levels` deep; recurses at most that far. */
export function nestsDeeperThan(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levels === 0) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (nestsDeeperThan(value[i], levels - 1)) return true;
    return false;
  }
  for (const k in value) if (nestsDeeperThan((value as Record<string, unknown>)[k], levels - 1)) return true;
  return false;
}
