import { badRequest } from '../errors/api-error';
import { shownValue } from '../errors/shown-value';

/**
 * OpenAI's `include` values (ResponseIncludable). A bridged model has none of these extras to add
 * but logprobs (`message.output_text.logprobs`: request-to-chat.ts askLogprobs), so another known
 * value changes nothing; an unknown one is refused as OpenAI refuses it (a typo would
 * otherwise pass unnoticed). OpenAI's own models get the field as sent and answer it themselves.
 */
const INCLUDABLE = new Set([
  'file_search_call.results', 'web_search_call.results', 'web_search_call.action.sources', 'message.input_image.image_url',
  'computer_call_output.output.image_url', 'code_interpreter_call.outputs', 'reasoning.encrypted_content', 'message.output_text.logprobs',
]);

/** OpenAI's 400 `invalid_value` naming `include[i]` for the first value it does not know. */
export function checkInclude(include: unknown): void {
  if (!Array.isArray(include)) return; // its type is checked with the other fields (request-validation-responses.ts)
  const bad = include.findIndex((v) => !INCLUDABLE.has(v));
  if (bad >= 0) {
    throw badRequest(`Invalid value: '${shownValue(include[bad])}'. Supported values are: ${[...INCLUDABLE].map((v) => `'${v}'`).join(', ')}.`, `include[${bad}]`, 'invalid_value');
  }
}

/** The `include` values of a read's query: `include[]=…` as the openai SDK sends them, or a repeated `include=…`. */
export const includeOfQuery = (query: URLSearchParams): string[] => [...query.getAll('include[]'), ...query.getAll('include')];
