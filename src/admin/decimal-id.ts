/** What a numeric id in a path is: decimal digits without a sign, a leading zero, spaces or an exponent. */
export const DECIMAL_ID_PATTERN = '^[1-9][0-9]{0,15}$';
const DECIMAL_ID = new RegExp(DECIMAL_ID_PATTERN);
/** What a path id that is not one is told, on /api and on the dashboard's forms alike. */
export const DECIMAL_ID_RULE = 'must be a positive whole number in decimal digits (no sign, leading zero, space, hex or exponent)';

/** The number a path id names when it is plain decimal (`16`; not `016`, `0x10`, `1e1`, ` 16`), else null. */
export const decimalId = (s: string): number | null => (DECIMAL_ID.test(s) ? Number(s) : null);
