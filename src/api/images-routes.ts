import { Elysia } from 'elysia';
import { authenticateClient } from '../auth/client-auth';
import type { AppContext } from '../context';
import { generateImages } from '../images/generate-images';
import { readJsonBody } from './request-validation-body';

/** POST /v1/images/generations in OpenAI's wire format, for OpenAI and Gemini image models. */
export function imagesRoutes(ctx: AppContext) {
  return new Elysia({ name: 'images' }).post(
    '/v1/images/generations',
    async ({ request }) => {
      const client = authenticateClient(ctx.state.getSnapshot(), request.headers.get('authorization'));
      const body = await readJsonBody(request, ctx.config.server.maxBodyMb * 1024 * 1024);
      const { result, headers } = await generateImages(ctx, body, { clientId: client.id, signal: request.signal });
      return new Response(result.raw ?? JSON.stringify(result.body), {
        status: 200,
        headers: { 'content-type': 'application/json', ...headers },
      });
    },
    {
      parse: 'none',
      detail: {
        tags: ['OpenAI API'],
        summary: 'Create images (OpenAI dall-e / gpt-image, Gemini Imagen and gemini-*-image)',
      },
    },
  );
}
