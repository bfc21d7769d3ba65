import type { DeliveredSample } from '../../usage/estimate-usage';

/**
 * Text kept for estimating a stream's output when the upstream sends no usage. Beyond this the
 * characters are only counted (the estimate scales the sample), so a 150 MB stream costs
 * 256 K characters of memory, not 150 MB.
 */
export const TALLY_TEXT_CAP = 256 * 1024;

/** Adds delivered text to the tally: counted always, kept up to TALLY_TEXT_CAP characters. */
export function tallyText(tally: DeliveredSample, text: string): void {
  if (!text) return;
  tally.deliveredChars = (tally.deliveredChars ?? tally.deliveredText.length) + text.length;
  const room = TALLY_TEXT_CAP - tally.deliveredText.length;
  if (room > 0) tally.deliveredText += room >= text.length ? text : text.slice(0, room);
}
