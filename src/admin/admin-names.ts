import { badRequest } from '../errors/api-error';
import { hasUnsafeNameChars } from '../security/unsafe-text';
import { INVISIBLE } from './name-key';

/**
 * Refuses a name an admin gives (client, team, provider key label) that holds characters it
 * would be stored or shown changed by (unpaired surrogates, U+FFFD from bytes that were not
 * UTF-8) or that forge log lines or disguise it (controls, line breaks, bidi overrides): 400
 * naming `param`, from the API and the dashboard alike; so is one of nothing but spaces and
 * invisible characters (name-key.ts's INVISIBLE).
 */
export function checkAdminName(name: string, param: string, what: string): void {
  // Zero-width spaces and the like alone (pasted from a chat or a web page) would make a name that shows as blank.
  if (!name.replace(INVISIBLE, '').trim()) throw badRequest(`The ${what} must not be empty (it holds only invisible characters).`, param);
  if (hasUnsafeNameChars(name))
    throw badRequest(
      `The ${what} must not contain control, line-break, bidirectional-override or unpaired surrogate characters, nor U+FFFD (bytes that were not UTF-8).`,
      param,
    );
}

/**
 * A provider key as typed (trimmed by the caller): it goes out in an Authorization or x-api-key
 * header, so no whitespace and printable ASCII only, as every provider's keys are.
 */
export function checkProviderKeyText(key: string, param: string): void {
  if (/\s/.test(key)) throw badRequest(`'${param}' must not contain whitespace.`, param);
  if (/[^\x21-\x7e]/.test(key)) throw badRequest(`'${param}' must be printable ASCII.`, param);
}
