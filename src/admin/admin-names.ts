import { badRequest } from '../errors/api-error';
import { hasUnsafeNameChars } from '../security/unsafe-text';

/**
 * Refuses a name an admin gives (client, team, provider key label) that holds characters it
 * would be stored or shown changed by (unpaired surrogates, U+FFFD from bytes that were not
 * UTF-8) or that forge log lines or disguise it (controls, line breaks, bidi overrides): 400
 * naming `param`, from the API and the dashboard alike.
 */
export function checkAdminName(name: string, param: string, what: string): void {
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
