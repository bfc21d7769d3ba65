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
 * for, encoded as they come (a batch at a time) so that their numbers are not all kept: 2,048
 * vectors of 4,096 values are 67 MB as JavaScript numbers, and the answer (~180 MB as float JSON,
 * ~45 MB as base64) is its own copy. Each `add` keeps one string for the batch; `body` joins them.
 */
export class EmbeddingData {
  private parts: string[] = ['{"object":"list","data":['];
  /** How many vectors were added: the next one's `index`. */
  count = 0;

  constructor(private readonly format: 'float' | 'base64') {}

  /** The next vectors, in input order. */
  add(vectors: readonly (readonly number[])[]): void {
    if (vectors.length === 0) return;
    const b64 = this.format === 'base64';
    if (this.count > 0) this.parts.push(',');
    const items = vectors.map((v) => {
      const embedding = b64 ? `"${float32Base64(v)}"` : JSON.stringify(v);
      return `{"object":"embedding","index":${this.count++},"embedding":${embedding}}`;
    });
    this.parts.push(items.join(','));
  }

  /**
   * OpenAI's `CreateEmbeddingResponse` as JSON text, made by one join (a template around the
   * joined data would copy it again) after which the parts are let go of.
   */
  body(model: string, promptTokens: number): string {
    const parts = this.parts;
    this.parts = [];
    parts.push(`],"model":${JSON.stringify(model)},"usage":{"prompt_tokens":${promptTokens},"total_tokens":${promptTokens}}}`);
    return parts.join('');
  }
}
