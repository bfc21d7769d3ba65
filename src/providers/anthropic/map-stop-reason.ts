import type { ChatCompletion } from 'openai/resources/chat/completions';

type FinishReason = ChatCompletion.Choice['finish_reason'];

/**
 * Anthropic stop_reason -> OpenAI finish_reason. `pause_turn` (a server tool paused a long turn)
 * is a normal end from the client's side; `model_context_window_exceeded` is a length stop.
 * Unknown future reasons read as `stop`, tool_calls when the turn called tools.
 */
export function mapStopReason(reason: unknown, calledTools: boolean): FinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      // The forced JSON-output tool (json-output.ts) is the answer, not a call for the client.
      return calledTools ? 'tool_calls' : 'stop';
    case 'refusal':
      return 'content_filter';
    default:
      return calledTools ? 'tool_calls' : 'stop';
  }
}
