import { Type, type IntegerOptions } from '@sinclair/typebox';
import { t } from 'elysia';
import { DECIMAL_ID_PATTERN, DECIMAL_ID_RULE } from '../admin/decimal-id';

/**
 * An integer field of a JSON body: a JSON number only. Elysia's `t.Integer` also takes a string
 * and converts it (`"1"`, `"0x10"`, `"1e1"`), so a documented integer would accept text.
 */
export const jsonInteger = (options?: IntegerOptions) => Type.Integer(options);

/**
 * `{ id }` path parameters of numeric ids. Elysia's `t.Numeric` reads `0x10`, `1e1`, ` 16` and
 * `016` as 16, 10, 16 and 16; here anything but plain decimal is a 400, as `abc` is.
 */
export const decimalIdParams = t.Object({
  id: t.Transform(t.String({ pattern: DECIMAL_ID_PATTERN, description: 'A positive decimal integer', error: DECIMAL_ID_RULE }))
    .Decode((v) => Number(v))
    .Encode((v) => String(v)),
});
