import type { RuntimeSnapshot } from '../state/snapshot-types';

/**
 * One line per pool key that holds the provider's own key itself (OPENAI_API_KEY changed to a key
 * already added, or `main` set to one): the pool uses that secret once, as the own key, and the
 * copy should be removed. Names the rows by id, never the key.
 */
export function ownKeyCopyWarnings(snapshot: RuntimeSnapshot): string[] {
  const out: string[] = [];
  for (const p of snapshot.providers.values()) {
    const own = p.keys?.find((k) => k.id === 'main' || k.id === 'env')?.id;
    for (const id of p.ownKeyCopies ?? []) {
      out.push(`gophergate: pool key ${id} of provider ${p.id} is the provider's own key ('${own}'); it is used once, as '${own}': remove the copy (DELETE /api/providers/${p.id}/keys/${id} or the Providers page).`);
    }
  }
  return out;
}
