/**
 * A time typed without a zone into a field the page labels UTC ("2030-01-01 00:00", or the way the
 * pages print times: "2030-01-01 00:00:00 UTC") as the ISO time it means, zone included; anything
 * else unchanged, for the parser behind it to judge. The API's parsers want a zone, and a
 * `datetime-local` field or a person reading the page's "(UTC)" gives none.
 */
export function zonelessAsUtc(v: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(?: ?UTC)?$/i.exec(v.trim());
  return m ? `${m[1]}T${m[2]}Z` : v;
}

/**
 * A time as a field the page labels UTC shows it, in the `datetime-local` form a person types
 * (`2027-01-01T00:00`; seconds and milliseconds only when it has them), which zonelessAsUtc reads
 * back as the same time: not the API's `2027-01-01T00:00:00.000Z`, which a saved field came back as.
 * '' for a time a Date cannot hold or before year 0 (the field could not hold it either).
 */
export function utcFieldValue(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '';
  const iso = d.toISOString();
  if (!/^\d{4}-/.test(iso)) return '';
  return iso.slice(0, iso.endsWith(':00.000Z') ? 16 : iso.endsWith('.000Z') ? 19 : 23);
}
