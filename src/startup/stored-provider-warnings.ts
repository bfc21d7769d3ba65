import { urlWithoutQueryValues } from '../config/env-readers';
import { baseUrlChangeText } from '../providers/base-url/provider-base-url';
import type { RuntimeSnapshot } from '../state/snapshot-types';

/**
 * One warning per provider whose stored keys (its own, pool keys) do not decrypt: they were saved
 * under another encryption key (a key file not the database's, an instance started with a different
 * variable). The provider is then called without them, so say so at start instead of letting the
 * upstream's 401s be the first sign. `keySource`: where the key in use came from
 * (encryptionKeySource: the variable, or the key file's path).
 */
export function unreadableKeyWarnings(snapshot: RuntimeSnapshot, keySource: string): string[] {
  const out: string[] = [];
  for (const p of snapshot.providers.values()) {
    if (!p.unreadableKeys) continue;
    out.push(
      `gophergate: ${p.unreadableKeys} stored API key(s) of provider ${p.id} cannot be decrypted with the encryption key from ${keySource} ` +
        '(saved under another one?); they are not used. Start with the key they were saved under, or enter them again in the dashboard.',
    );
  }
  return out;
}

/**
 * While it runs: one warning per provider with more stored keys it cannot decrypt than before
 * (`before`: the snapshot the last check saw). Another instance saved them under a different
 * encryption key, so this one calls the provider without them.
 */
export function newlyUnreadableKeyWarnings(before: RuntimeSnapshot, now: RuntimeSnapshot, keySource: string): string[] {
  const out: string[] = [];
  for (const p of now.providers.values()) {
    const added = (p.unreadableKeys ?? 0) - (before.providers.get(p.id)?.unreadableKeys ?? 0);
    if (added <= 0) continue;
    out.push(
      `gophergate: ${added} API key(s) of provider ${p.id} stored since cannot be decrypted with the encryption key from ${keySource}: ` +
        'another instance saved them under a different one (every instance must share LLM_PROXY__ENCRYPTION_KEY); they are not used here.',
    );
  }
  return out;
}

/**
 * One warning per provider whose stored base URL holds a query or fragment (saved before the admin
 * API refused them, e.g. a Gemini key as `?key=...`): the provider is off until the URL is set
 * again (PATCH /api/providers/{id} or the Providers page). The query's values are not printed.
 */
export function badBaseUrlWarnings(snapshot: RuntimeSnapshot): string[] {
  const out: string[] = [];
  for (const p of snapshot.providers.values()) {
    if (!p.badBaseUrl) continue;
    out.push(
      `gophergate: the stored base URL of provider ${p.id} (${urlWithoutQueryValues(p.baseUrl)}) holds a query or fragment, which calls cannot use; ` +
        'the provider is off until its base URL is set again (PATCH /api/providers/' + p.id + ' or the Providers page; put a key in api_key, not in the URL).',
    );
  }
  return out;
}

/**
 * One line per provider whose base URL was set in a form calls cannot use as it is (a path they
 * append themselves, as a provider's docs give the URL, or a provider's own host without its
 * version): it is used normalised (providers/base-url/provider-base-url.ts), and the start says
 * which URL that is (DeepSeek's beta base URL too).
 */
export function trimmedBaseUrlWarnings(snapshot: RuntimeSnapshot): string[] {
  const out: string[] = [];
  for (const p of snapshot.providers.values()) {
    if (p.baseUrlGivenAs && p.baseUrlChange) {
      out.push(`gophergate: ${baseUrlChangeText(p.id, p.baseUrlGivenAs, { url: p.baseUrl, change: p.baseUrlChange })} (set that to silence this line)`);
    }
    // DeepSeek's beta URL comes from the environment only: the line names the variable to set.
    if (p.betaBaseUrl && p.betaBaseUrlGivenAs && p.betaBaseUrlChange) {
      const text = baseUrlChangeText(p.id, p.betaBaseUrlGivenAs, { url: p.betaBaseUrl, change: p.betaBaseUrlChange }, 'beta base URL');
      out.push(`gophergate: ${text} (set LLM_PROXY__PROVIDERS__${p.id.toUpperCase()}__BETA_BASE_URL to that to silence this line)`);
    }
  }
  return out;
}
