/**
 * A vector as OpenAI's `encoding_format: "base64"` sends it: the float32 values, little-endian,
 * base64-encoded (what the official SDKs decode with a Float32Array).
 */
export function float32Base64(vector: readonly number[]): string {
  const buf = new ArrayBuffer(vector.length * 4);
  const view = new DataView(buf);
  for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i]!, true);
  return Buffer.from(buf).toString('base64');
}

const utf8 = new TextEncoder();
/** Text gathered before it is encoded into one piece of the body (pieces of ~64 KB or more). */
const PIECE_CHARS = 64 * 1024;

/**
 * OpenAI's `data` list for vectors a translated provider returned, in the format the client asked
 * for, kept as the batches come in its most compact form, one copy: 2,048 vectors of 4,096 values
 * are 67 MB as numbers (8 bytes a value), ~45 MB as base64 (5.3), ~180 MB as float JSON (~21).
 * So base64 is encoded as each batch comes and its numbers let go of; floats are kept as numbers
 * and written out once, by `body`, each vector's numbers let go of as its text is made.
 */
export class EmbeddingData {
  /** base64: the opening, then each batch's items as UTF-8, with the commas between. */
  private parts: Uint8Array<ArrayBuffer>[] = [utf8.encode('{"object":"list","data":[')];
  /** float: the vectors. */
  private vectors: (readonly number[])[] = [];
  /** How many vectors were added: the next one's `index`. */
  count = 0;

  constructor(private readonly format: 'float' | 'base64') {}

  /** The next vectors, in input order. */
  add(vectors: readonly (readonly number[])[]): void {
    if (this.format === 'float') {
      for (const v of vectors) this.vectors.push(v);
      this.count += vectors.length;
      return;
    }
    if (vectors.length === 0) return;
    const comma = this.count > 0 ? ',' : '';
    this.parts.push(utf8.encode(comma + vectors.map((v) => `{"object":"embedding","index":${this.count++},"embedding":"${float32Base64(v)}"}`).join(',')));
  }

  /**
   * OpenAI's `CreateEmbeddingResponse` as UTF-8 pieces, sent one after another (never joined: the
   * answer is held once, as bytes). Floats are written vector by vector, each vector's numbers let
   * go of once written, so the numbers and their JSON are not both held whole (a single
   * JSON.stringify held both, then its text and that text's UTF-8 copy to send).
   */
  body(model: string, promptTokens: number): Uint8Array<ArrayBuffer>[] {
    const tail = `],"model":${JSON.stringify(model)},"usage":${JSON.stringify({ prompt_tokens: promptTokens, total_tokens: promptTokens })}}`;
    if (this.format === 'base64') {
      const parts = this.parts;
      this.parts = [];
      parts.push(utf8.encode(tail));
      return parts;
    }
    const vectors = this.vectors;
    this.vectors = [];
    const pieces: Uint8Array<ArrayBuffer>[] = [];
    let text = '{"object":"list","data":[';
    for (let i = 0; i < vectors.length; i++) {
      text += `${i > 0 ? ',' : ''}{"object":"embedding","index":${i},"embedding":${JSON.stringify(vectors[i])}}`;
      vectors[i] = NO_VALUES;
      if (text.length >= PIECE_CHARS) {
        pieces.push(utf8.encode(text));
        text = '';
      }
    }
    pieces.push(utf8.encode(text + tail));
    return pieces;
  }
}

/** What a written vector's place holds, so its numbers can go. */
const NO_VALUES: readonly number[] = [];
