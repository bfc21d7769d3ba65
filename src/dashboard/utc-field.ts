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
