export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

/**
 * Gemini finishReason -> OpenAI finish_reason. Gemini says STOP even when the turn ended in
 * function calls, so a candidate with calls reports `tool_calls` as OpenAI clients expect.
 */
export function mapFinishReason(reason: string | undefined, hadToolCalls: boolean): OpenAIFinishReason {
  switch (reason) {
    case 'MAX_TOKENS':
      return 'length';
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
    case 'IMAGE_PROHIBITED_CONTENT':
    case 'IMAGE_RECITATION':
      return 'content_filter';
    default:
      // STOP, OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL, ...: the turn is over.
      return hadToolCalls ? 'tool_calls' : 'stop';
  }
}
