import type { EmbeddingInputs, EmbeddingResponseBody } from './embeddings-types';

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

/** OpenAI's answer for vectors a translated provider returned, in the format the client asked for. */
export function embeddingResponseBody(
  vectors: number[][],
  model: string,
  promptTokens: number,
  inputs: Pick<EmbeddingInputs, 'encodingFormat'>,
): EmbeddingResponseBody {
  const b64 = inputs.encodingFormat === 'base64';
  return {
    object: 'list',
    data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: b64 ? float32Base64(v) : v })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}
