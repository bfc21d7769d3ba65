import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { ProviderAdapter, UpstreamBody } from '../types';
import { bearerJsonPost } from '../shared/upstream-call';
import { normalizeUsage } from '../../usage/normalize-usage';
import { answerBillExtras, answerUsage } from './answer-usage';
import { isOpenAIUsage, withOpenAIUsage } from './with-openai-usage';
import { fillCompletionShape } from './openai-shape';
import { fillBlankArguments } from './blank-tool-arguments';
import { fillToolCallShapes } from './tool-call-shape';
import type { OpenAICompatibleOptions } from './openai-compatible-options';
import { openAICompatibleStream } from './openai-compatible-stream';
import { unfinishedAnswer, unfinishedReason } from './unfinished-answer';
import { emptyAnswer, errorInAnswer } from '../shared/error-in-answer';
import { settlePrefill } from './prefill';
import { allowedToolsAsTools } from '../shared/allowed-tools';
import { dropThinkingBlocks } from './message-quirks';

/**
 * Builds a provider adapter for an OpenAI-compatible upstream. The client's body is forwarded
 * as is (unknown extra fields included) with the concrete model id, usage always requested on
 * streams, Anthropic's `thinking_blocks` left out of its messages, and the provider's quirk hooks applied.
 */
export function createOpenAICompatibleAdapter(opts: OpenAICompatibleOptions): ProviderAdapter {
  const convertUsage = opts.convertUsage ?? ((raw: unknown) => normalizeUsage(opts.id, raw));
  return {
    id: opts.id,
    builtinTools: opts.builtinTools,
    defaultBaseUrl: opts.defaultBaseUrl,
    transport: opts.transport,

    async buildChatCall(req, ctx, settings, deps) {
      let body: UpstreamBody = { ...req, model: ctx.model };
      if (ctx.stream) {
        body.stream = true;
        // Always ask for usage: it is what the gateway logs and bills.
        body.stream_options = { ...(req.stream_options as object | undefined), include_usage: true };
      } else {
        // OpenAI rejects stream_options on a non-stream request.
        delete body.stream_options;
      }
      // Anthropic's signed thinking blocks (a conversation begun with Claude): no other provider takes them.
      dropThinkingBlocks(body);
      // A final assistant message to continue: the provider's own flag (and base URL), or none.
      const prefillBase = settlePrefill(body, opts.prefill, settings, opts.defaultBaseUrl);
      // Before the provider's hooks, which then see the choice as the upstream will (a forced tool, renamed tools).
      if (opts.allowedTools !== 'native') allowedToolsAsTools(body);
      if (opts.transformRequestBody) body = await opts.transformRequestBody(body, { ctx, settings, deps });
      return bearerJsonPost(settings, '/chat/completions', body, opts.headers?.(settings), prefillBase ?? (settings.baseUrl || opts.defaultBaseUrl));
    },

    parseChatResponse(body: any, ctx) {
      // An `error` and no `choices`: a failure answered with 200, not a completion without choices.
      if (body?.error && !Array.isArray(body.choices)) throw errorInAnswer(opts.id, body.error);
      // No choices and no error: no answer either (as a stream that says only [DONE] is not one).
      if (!Array.isArray(body?.choices) || body.choices.length === 0) throw emptyAnswer(opts.id);
      // An answer the provider gave up on is a failure (a group falls back), not a completion.
      const unfinished = unfinishedReason(opts, body?.choices);
      if (unfinished) throw unfinishedAnswer(opts, unfinished);
      const touched = opts.transformResponse?.(body, ctx);
      let verbatim = !opts.transformResponse || touched === false;
      // Required fields an upstream left out (refusal, logprobs...): the bytes are then re-encoded.
      if (fillCompletionShape(body, ctx.model)) verbatim = false;
      // Calls without an id or type, or with arguments as an object (tool-call-shape.ts); then a call
      // without arguments gets OpenAI's "{}", not `""` (blank-tool-arguments.ts).
      if (fillToolCallShapes(body)) verbatim = false;
      if (fillBlankArguments(body)) verbatim = false;
      const usage = answerUsage(opts, convertUsage, body, ctx.model);
      if (usage && !isOpenAIUsage(body.usage, usage)) {
        body.usage = withOpenAIUsage(body.usage, usage);
        verbatim = false;
      } else if (!usage && body?.usage != null) {
        // Nonsense counts (strings, negatives) are not passed on: SDKs refuse the answer. The
        // client gets the estimate the row bills instead (api/chat-routes.ts).
        delete body.usage;
        verbatim = false;
      }
      // Without usage the tokens are estimated; what the answer bills beside them is read off it here.
      return { completion: body as ChatCompletion, usage, verbatim, billExtras: usage ? undefined : answerBillExtras(opts, body, ctx.model) };
    },

    chatStream(ctx, tally) {
      return openAICompatibleStream(opts, convertUsage, ctx, tally);
    },
  };
}
