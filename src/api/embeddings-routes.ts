import type { AppContext } from '../context';
import { createEmbeddings } from '../embeddings/create-embeddings';
import { validateEmbeddingRequest } from '../embeddings/validate-embeddings';
import { openaiPost } from './openai-request';
import type { V1Route } from './v1-route-types';

/** POST /v1/embeddings in OpenAI's wire format, for OpenAI, Gemini, Ollama and mock models. */
export function embeddingsRoute(ctx: AppContext): V1Route {
  return {
    handler: openaiPost(ctx, async ({ request, client, teamId, clock, body, requestId }) => {
      const r = await createEmbeddings(ctx, body, { clientId: client.id, teamId, signal: request.signal, clock, requestId });
      return { json: r.body, headers: r.headers };
    }, { endpoint: 'embeddings', validate: validateEmbeddingRequest }),
    detail: {
      tags: ['OpenAI API'],
      summary: 'Create embeddings (OpenAI, Gemini, Ollama, mock)',
      description:
        "Body: OpenAI's embeddings.create request. `input` is a string, an array of strings, an array of token ids " +
        'or an array of token id arrays (token arrays: OpenAI and mock only); `encoding_format` `float` or `base64` ' +
        '(every provider); `dimensions` (Gemini: `outputDimensionality`); `task_type`, the gateway’s own field, Gemini’s ' +
        '`taskType` (`RETRIEVAL_DOCUMENT`, `RETRIEVAL_QUERY`, …; other providers ignore it). OpenAI models are passed through (floats asked as base64 and decoded); Gemini ' +
        'models use `batchEmbedContents`; Ollama its OpenAI-compatible `/v1/embeddings`. Other providers answer 400 ' +
        '`embeddings_not_supported`. Logged with endpoint `embeddings`: prompt tokens (estimated where the provider ' +
        'reports none) at the model’s input price.',
    },
  };
}
