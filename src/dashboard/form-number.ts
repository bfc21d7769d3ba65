import { badRequest } from '../errors/api-error';

// Digits as people write them, with an optional sign (so "-5" reaches the service's range check
// and its message) and, for decimals, a fraction. Number() would also take "1e3", "0x10",
// "0b11", "Infinity" and " 12 " and save a value the admin never typed.
const WHOLE = /^-?\d+$/;
const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)$/;
/** Past this many significant digits a double no longer holds what was typed. */
const MAX_DIGITS = 15;

/** How a form field reads: its label (for the message) and its parameter (the /api field). */
export interface FormNumberField {
  label: string;
  param: string;
  whole?: boolean;
}

/**
 * A number typed into a dashboard form, read strictly: plain decimal digits only (no exponent,
 * hex, grouping commas, spaces or words), else a 400 naming the field and saying what to type.
 * A blank field is null; whether blank is allowed, and the range, are the caller's (the API's) checks.
 */
export function formNumber(raw: string, f: FormNumberField): number | null {
  if (raw === '') return null;
  const kind = f.whole ? 'a whole number' : 'a number';
  const digits = raw.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  if (!(f.whole ? WHOLE : DECIMAL).test(raw) || digits.length > MAX_DIGITS) {
    const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
    throw badRequest(`${f.label}: '${shown}' is not ${kind}; type ${f.whole ? 'digits only' : 'digits with an optional decimal point'}${digits.length > MAX_DIGITS ? `, at most ${MAX_DIGITS} of them` : ''}.`, f.param);
  }
  // `+ 0`: "-0" is stored and shown as 0.
  return Number(raw) + 0;
}
