/**
 * OpenAI's error body as a JSON schema, for the OpenAPI document: every /v1 error except
 * /v1/messages', and the admin API's and /metrics' errors (documentation only).
 */
export const OPENAI_ERROR_SCHEMA: Record<string, unknown> = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'type', 'param', 'code'],
      properties: {
        message: { type: 'string' },
        type: { type: 'string' },
        param: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        code: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      },
    },
  },
};
