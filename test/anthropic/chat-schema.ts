/** OpenAI's chat completion and chunk schemas, for the Anthropic translation's tests. */
import { openaiSchemaErrors } from '../helpers/openai-schema';

export const completionErrors = (v: unknown) => openaiSchemaErrors('CreateChatCompletionResponse', v);
export const chunkErrors = (v: unknown) => openaiSchemaErrors('CreateChatCompletionStreamResponse', v);
