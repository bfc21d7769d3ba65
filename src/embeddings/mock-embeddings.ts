import { badRequest } from '../errors/api-error';
import type { EmbeddingInputs } from './embeddings-types';

/** The mock's vector length when the request names no `dimensions` (text-embedding-3-small's). */
export const MOCK_DIMENSIONS = 1536;
/** text-embedding-3-large's length, the largest OpenAI serves. */
const MOCK_MAX_DIMENSIONS = 3072;

/** FNV-1a over the input's text or token ids: the seed of its vector. */
function seedOf(input: string | number[]): number {
  let h = 0x811c9dc5;
  const s = typeof input === 'string' ? input : input.join(',');
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a tiny seeded generator, so the same input always gives the same vector. */
function generator(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A deterministic unit vector for one input, rounded to float32 as real embeddings are. */
export function mockVector(input: string | number[], dimensions: number): number[] {
  const next = generator(seedOf(input));
  const v = Array.from({ length: dimensions }, () => next() * 2 - 1);
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0)) || 1;
  return v.map((x) => Math.fround(x / norm));
}

/** One vector per input: the mock provider's embeddings, computed in-process. */
export function mockEmbeddings(inputs: EmbeddingInputs): number[][] {
  const dims = inputs.dimensions ?? MOCK_DIMENSIONS;
  if (dims > MOCK_MAX_DIMENSIONS) {
    throw badRequest(`'dimensions' must be at most ${MOCK_MAX_DIMENSIONS} for mock models.`, 'dimensions');
  }
  const list: (string | number[])[] = inputs.kind === 'text' ? inputs.texts : inputs.tokens;
  return list.map((x) => mockVector(x, dims));
}
