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

/**
 * OpenAI's `data` list for vectors a translated provider returned, in the format the client asked
 * for, kept as the batches come in its most compact form, one copy: 2,048 vectors of 4,096 values
 * are 67 MB as numbers (8 bytes a value), ~45 MB as base64 (5.3), ~180 MB as float JSON (~21).
 * So base64 is encoded as each batch comes and its numbers let go of; floats are kept as numbers
 * and written out once, by `body`.
 */
export class EmbeddingData {
  /** base64: the opening, then each batch's items as text, with the commas between. */
  private parts: string[] = ['{"object":"list","data":['];
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
    if (this.count > 0) this.parts.push(',');
    this.parts.push(vectors.map((v) => `{"object":"embedding","index":${this.count++},"embedding":"${float32Base64(v)}"}`).join(','));
  }

  /**
   * OpenAI's `CreateEmbeddingResponse` as JSON text, written by one JSON.stringify or one join (a
   * template around the joined data would copy it again); what it was made of is let go of.
   */
  body(model: string, promptTokens: number): string {
    const usage = { prompt_tokens: promptTokens, total_tokens: promptTokens };
    if (this.format === 'float') {
      const vectors = this.vectors;
      this.vectors = [];
      return JSON.stringify({ object: 'list', data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })), model, usage });
    }
    const parts = this.parts;
    this.parts = [];
    parts.push(`],"model":${JSON.stringify(model)},"usage":${JSON.stringify(usage)}}`);
    return parts.join('');
  }
}
