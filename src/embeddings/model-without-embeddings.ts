import { UpstreamError } from '../errors/api-error';

/** How a provider refuses embeddings asked of a model without them (a chat model), and an embedding model to name instead. */
interface Refusal {
  status: (status: number) => boolean;
  words: RegExp;
  example: string;
}

const REFUSALS: Partial<Record<string, Refusal>> = {
  // OpenAI: HTTP 403, no code, the model unnamed.
  openai: { status: (s) => s === 403, words: /You are not allowed to generate embeddings from this model/, example: 'text-embedding-3-small' },
  // Ollama: its llama-server runner started without `--embedding` (every chat model) answers 501 "This server does
  // not support embeddings. Start it with `--embeddings`"; its older Go runner 501 (500 through older servers)
  // "this model does not support embeddings". A 5xx, so it read as Ollama failing: retried, and the model's
  // circuit opened for every client, chat on that model too.
  ollama: { status: (s) => s >= 500, words: /does not support embeddings/i, example: 'nomic-embed-text' },
};

/**
 * A provider's refusal of embeddings for a model without them is the request's fault, not the key's
 * nor the provider's: a 400 embeddings_not_supported on `model` (a group goes on to its next target,
 * upstream-errors.ts isTargetRefusal; the provider's circuit hears an answer). Any other error is returned as it is.
 */
export function modelWithoutEmbeddings(err: unknown, model: string): unknown {
  if (!(err instanceof UpstreamError) || err.upstreamStatus === null) return err;
  const refusal = REFUSALS[err.provider];
  if (!refusal || !refusal.status(err.upstreamStatus)) return err;
  const words = refusal.words.exec(err.message)?.[0];
  if (!words) return err;
  const said = err.message.replace(/^Upstream .*? returned HTTP \d+: /, '');
  const message = `The model '${model}' has no embeddings at ${err.provider} (HTTP ${err.upstreamStatus}: ${said}); use an embedding model such as ${refusal.example}.`;
  return new UpstreamError(err.provider, 400, message, false, 400, 'embeddings_not_supported', {}, 'model');
}
