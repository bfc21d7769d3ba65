import type { AppContext } from '../context';
import { generateImages } from '../images/generate-images';
import { validateImageRequest } from '../images/image-params';
import { openaiPost } from './openai-request';
import type { V1Route } from './v1-route-types';

/** POST /v1/images/generations in OpenAI's wire format, for OpenAI and Gemini image models. */
export function imagesRoute(ctx: AppContext): V1Route {
  return {
    handler: openaiPost(ctx, async ({ request, client, teamId, clock, body, requestId }) => {
      const { result, headers } = await generateImages(ctx, body, { clientId: client.id, teamId, signal: request.signal, clock, requestId });
      return { json: result.raw ?? JSON.stringify(result.body), headers };
    }, { endpoint: 'images', validate: validateImageRequest }),
    detail: {
      tags: ['OpenAI API'],
      summary: 'Create images (OpenAI dall-e / gpt-image, Gemini Imagen and gemini-*-image)',
      description:
        "Body: OpenAI's images.generate request. Gemini answers base64, returned as a data: URI in `url` " +
        '(or `b64_json` when asked); gpt-image answers `b64_json` as OpenAI does (a data: URI in `url` only when ' +
        "`response_format: 'url'` is asked). Parameters a model cannot honour are refused with a 400 naming them.",
    },
  };
}
