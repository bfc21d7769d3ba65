/**
 * Embedding answers in each provider's wire shape, computed from the request so a float and a
 * base64 call for the same text get the same vector (as the real APIs do). Values are float32,
 * printed as OpenAI prints them.
 */
import { jsonResponse, type RecordedRequest } from '../helpers/fake-upstream';

/** A deterministic float32 vector for a text (or token list) of the given length. */
export function vectorFor(input: unknown, dims: number): number[] {
  const s = JSON.stringify(input);
  let h = 7;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) % 1_000_003;
  return Array.from({ length: dims }, (_, i) => Math.fround(Math.sin(h + i * 1.7) * 0.1));
}

const b64 = (v: number[]) => Buffer.from(new Float32Array(v).buffer).toString('base64');

/** What OpenAI's /v1/embeddings answers (input as sent, `encoding_format` honoured). */
export function openaiEmbeddingAnswer(body: any, promptTokens: number): Response {
  const inputs: unknown[] = typeof body.input === 'string' || typeof body.input?.[0] === 'number' ? [body.input] : body.input;
  const dims = body.dimensions ?? 8;
  return jsonResponse({
    object: 'list',
    data: inputs.map((x, index) => {
      const v = vectorFor(x, dims);
      return { object: 'embedding', index, embedding: body.encoding_format === 'base64' ? b64(v) : v };
    }),
    model: body.model === 'text-embedding-3-small' ? 'text-embedding-3-small' : body.model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
}

/** Ollama's OpenAI-compatible /v1/embeddings (floats; it answers every input). */
export function ollamaEmbeddingAnswer(body: any): Response {
  const inputs: string[] = typeof body.input === 'string' ? [body.input] : body.input;
  return jsonResponse({
    object: 'list',
    data: inputs.map((x, index) => ({ object: 'embedding', embedding: vectorFor(x, body.dimensions ?? 8), index })),
    model: body.model,
    usage: { prompt_tokens: inputs.length * 3, total_tokens: inputs.length * 3 },
  });
}

/** Gemini's :batchEmbedContents answer: `{embeddings:[{values}]}`, no usage. */
export function geminiBatchAnswer(rec: RecordedRequest): Response {
  const requests: any[] = rec.body.requests;
  return jsonResponse({
    embeddings: requests.map((r) => ({ values: vectorFor(r.content.parts[0].text, r.outputDimensionality ?? 8) })),
  });
}
