import { badRequest } from '../errors/api-error';

// Digits as people write them, with an optional sign (so "-5" reaches the service's range check
// and its message) and, for decimals, a fraction. Number() would also take "1e3", "0x10",
// "0b11", "Infinity" and " 12 " and save a value the admin never typed.
const WHOLE = /^-?\d+$/;
const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)$/;

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
  if (!(f.whole ? WHOLE : DECIMAL).test(raw)) {
    const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
    throw badRequest(`${f.label}: '${shown}' is not ${f.whole ? 'a whole number; type digits only' : 'a number; type digits with an optional decimal point'}.`, f.param);
  }
  // `+ 0`: "-0" is stored and shown as 0.
  return Number(raw) + 0;
}

/**
 * A stored number as a form shows it, in the digits formNumber reads back: String() writes
 * 1e-7 and 1e+21, which saving the form unchanged would then refuse.
 */
export function formValue(n: number | null | undefined): string {
  if (n == null) return '';
  const s = String(n);
  return s.includes('e') ? n.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 100 }) : s;
}
