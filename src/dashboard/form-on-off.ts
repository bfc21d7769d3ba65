import { badRequest } from '../errors/api-error';
import { field } from './dash-session';

/**
 * An on/off field as the dashboard's toggle buttons send it: 'true' or 'false' only. Anything
 * else (a hand-made request, a stale script) is refused, not read as "off": a provider or model
 * switched off by a typo would fail every request that needs it.
 */
export function onOffField(body: unknown, name: string): boolean {
  const v = field(body, name);
  if (v === 'true' || v === 'false') return v === 'true';
  const shown = v.length > 40 ? `${v.slice(0, 40)}…` : v;
  throw badRequest(`'${name}' must be true or false, not '${shown}'.`, name);
}
