/**
 * Where the last whole SSE event of a read ends, in bytes: for a relay that hands on an upstream's
 * bytes as they came but only whole events (native-passthrough.ts, native-messages.ts). Without it
 * such a relay waits for a read that happens to end between events, and against an upstream that
 * sends faster than the client takes (large events, reads ending inside one) it reads on and holds
 * the answer in memory instead of leaving the upstream held back.
 */

const LF = 10;
const CR = 13;
const isEol = (b: number | undefined) => b === LF || b === CR;

/**
 * The offset in `bytes` just past the last blank line (the end of an event, or of a stray blank
 * line), or -1 when it holds none. Lines end in LF, CRLF or CR, as SseParser reads them; `held` are
 * the reads held before this one (a blank line may begin in them). A CR that ends `bytes` is not
 * taken as a line end: its LF may open the next read.
 */
export function lastEventEnd(held: readonly Uint8Array[], bytes: Uint8Array): number {
  /** The byte at `i`, counting back into the held reads for i < 0 (at most two bytes back). */
  const at = (i: number): number | undefined => {
    if (i >= 0) return bytes[i];
    for (let k = held.length - 1; k >= 0; k--) {
      const h = held[k]!;
      if (-i <= h.length) return h[h.length + i];
      i += h.length;
    }
    return undefined;
  };
  for (let i = bytes.length - 1; i >= 0; i--) {
    const b = bytes[i]!;
    if (b === CR && i === bytes.length - 1) continue;
    if (b !== LF && b !== CR) continue;
    // The line end that closes here began one byte earlier when it is a CRLF.
    const start = b === LF && at(i - 1) === CR ? i - 1 : i;
    if (isEol(at(start - 1))) return i + 1;
  }
  return -1;
}
