import { Elysia } from 'elysia';
import { authenticateClient } from '../auth/client-auth';
import type { AppContext } from '../context';
import { generateImages } from '../images/generate-images';
import { errorResponse } from './chat-routes';
import { readJsonBody } from './request-validation-body';

/** POST /v1/images/generations in OpenAI's wire format, for OpenAI and Gemini image models. */
export function imagesRoutes(ctx: AppContext) {
  const maxBytes = ctx.config.server.maxBodyMb * 1024 * 1024;
  return new Elysia({ name: 'images' }).post(
    '/v1/images/generations',
    async ({ request, server }) => {
      // Image models can take a minute; the upstream timeout governs, not Bun's socket idle limit.
      server?.timeout(request, 0);
      try {
        const client = authenticateClient(ctx.state.getSnapshot(), request.headers.get('authorization'));
        const body = await readJsonBody(request, maxBytes);
        const { result, headers } = await generateImages(ctx, body, { clientId: client.id, signal: request.signal });
        return new Response(result.raw ?? JSON.stringify(result.body), {
          headers: { ...headers, 'content-type': 'application/json' },
        });
      } catch (err) {
        return errorResponse(err);
      }
    },
    {
      parse: 'none',
      detail: {
        tags: ['OpenAI API'],
        summary: 'Create images (OpenAI dall-e / gpt-image, Gemini Imagen and gemini-*-image)',
        description:
          "Body: OpenAI's images.generate request. Gemini answers base64, returned as a data: URI in `url` " +
          '(or `b64_json` when asked). Parameters a model cannot honour are refused with a 400 naming them.',
      },
    },
  );
}
