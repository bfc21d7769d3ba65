import type { StreamTally } from '../types';
import { TALLY_TEXT_CAP } from './tally-text';

/**
 * The delivered events' raw `data:` payloads, kept (up to TALLY_TEXT_CAP characters) instead of
 * the text inside them. Pulling the text out as the stream goes would cost a JSON.parse per event,
 * and the text is only read when the upstream gave no usage (a cut stream: the estimate) or when
 * bodies are stored. `install` puts lazy `deliveredText` / `deliveredChars` on the tally, so the
 * sample is parsed on the first read, usually never.
 */
export class DeliveredSample {
  private readonly events: string[] = [];
  private sampledChars = 0;
  private totalChars = 0;
  private cache: { text: string; chars: number } | null = null;

  /** `extract` appends the text one payload delivered (content, reasoning, tool arguments). */
  constructor(private readonly extract: (payload: string, add: (text: string) => void) => void) {}

  add(payload: string): void {
    this.totalChars += payload.length;
    if (this.sampledChars < TALLY_TEXT_CAP) {
      this.events.push(payload);
      this.sampledChars += payload.length;
    }
    this.cache = null;
  }

  private read(): { text: string; chars: number } {
    if (this.cache) return this.cache;
    let text = '';
    const add = (t: string) => void (text += t);
    for (const e of this.events) this.extract(e, add);
    // Past the sample the envelope-to-text ratio is taken as the sample's (events are uniform).
    const chars = this.totalChars > this.sampledChars && this.sampledChars > 0 ? Math.round((text.length * this.totalChars) / this.sampledChars) : text.length;
    return (this.cache = { text, chars });
  }

  /** Makes the tally's deliveredText / deliveredChars read from this sample. */
  install(tally: StreamTally): void {
    const self = this;
    Object.defineProperty(tally, 'deliveredText', { get: () => self.read().text, enumerable: true, configurable: true });
    Object.defineProperty(tally, 'deliveredChars', { get: () => self.read().chars, enumerable: true, configurable: true });
  }
}
