import { Value } from '@sinclair/typebox/value';

/**
 * Why a value of a union field (a nullable one: `t.Nullable(t.Integer({ minimum: 1 }))`) was
 * refused, from the branch of the value's own type: `-5` for `rpm` reads "Expected integer to be
 * greater or equal to 1" (or that branch's own `error`), not TypeBox's "should be one of:
 * 'integer', 'null'", which tells a script author nothing about an integer. A value of no branch's
 * type (`"5"` for an integer) gets the one other-than-null branch's own `error` where it has one,
 * else null: the union's own summary says it then.
 *
 *   unionFieldMessage(schemaOfRpm, -5) -> 'Expected integer to be greater or equal to 1'
 */
export function unionFieldMessage(schema: any, value: unknown): string | null {
  if (!Array.isArray(schema?.anyOf) || value === null || value === undefined) return null;
  const kind = Array.isArray(value) ? 'array' : typeof value;
  const branch = schema.anyOf.find((b: any) => b?.type === kind || (kind === 'number' && b?.type === 'integer'));
  const only = schema.anyOf.filter((b: any) => b?.type !== 'null');
  if (!branch) return only.length === 1 && typeof only[0].error === 'string' ? only[0].error : null;
  if (typeof branch.error === 'string') return branch.error;
  return Value.Errors(branch, value).First()?.message ?? null;
}
