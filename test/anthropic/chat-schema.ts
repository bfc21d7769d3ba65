/**
 * OpenAI's chat completion and chunk schemas for the shared validator: the trimmed schema file
 * the validator reads has only the Responses API's, so the chat ones (kept beside the Anthropic
 * fixtures) are added to its table before use.
 */
import subset from '../fixtures/responses/openai-schema-subset.json';
import chat from '../fixtures/anthropic/openai-chat-schema.json';
import { schemaErrors } from '../responses/openai-schema';

Object.assign((subset as any).components.schemas, (chat as any).components.schemas);

export const completionErrors = (v: unknown) => schemaErrors('CreateChatCompletionResponse', v);
export const chunkErrors = (v: unknown) => schemaErrors('CreateChatCompletionStreamResponse', v);
