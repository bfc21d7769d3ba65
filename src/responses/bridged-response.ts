import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { ApiError, badRequest } from '../errors/api-error';
import { wholeJson } from '../providers/shared/chat-tool-calls';
import { readAhead } from '../proxy/chat-chunks';
import { chunkEventStream } from '../proxy/chunk-event-stream';
import { gatewayHeaders } from '../proxy/request-outcome';
import { runChatCompletion, streamChatCompletion } from '../proxy/run-chat-completion';
import type { ChatRunOptions } from '../proxy/chat-pipeline';
import type { EarlierTries } from '../proxy/walk-targets';
import { estimateOutputSampled, estimateSampled } from '../usage/estimate-usage';
import { toOpenAIUsage, type Usage } from '../usage/types';
import { chatToResponse } from './chat-to-response';
import { inputItemsOf } from './input-items';
import { expandItemReferences, responseChain, withoutReplay } from './item-references';
import { inputToMessages } from './input-to-messages';
import { responsesToChat, type BridgedRequest } from './request-to-chat';
import { newId } from './response-ids';
import { responseSkeleton, toResponseUsage, wantsReasoningSummary } from './response-skeleton';
import type { ResponsesRun } from './responses-answer';
import type { EndpointAnswer } from '../proxy/endpoint-types';
import type { ResponseEvent, ResponseObject, ResponsesRequest, ResponseUsage } from './responses-types';
import { ResponsesStreamBridge } from './stream-bridge';
import { followJob, type BackgroundJob } from './bridged-background';
import { truncateToWindow } from './truncate-input';
import { forwardedProvider } from './native-responses';
import { providerName } from '../providers/provider-catalog';
import { ID_CHARS, shownValue } from '../errors/shown-value';

/** Canonical usage -> the Responses usage, as the chat usage it is told as (cache writes included). */
const responseUsage = (u: Usage): ResponseUsage => toResponseUsage(toOpenAIUsage(u))!;

/**
 * The answer's output as chat messages for the next turn. An upstream's malformed answer (a tool
 * call without a name) is no valid input: the response is kept without it rather than failing
 * the answer (a 400 blaming the client's input, or a stream cut before its last event). A call the
 * token limit cut midway (arguments no whole JSON) is left out too: no upstream takes it back (nor
 * can a client run it and answer it), so a follow-up that answers the calls that finished goes on.
 */
function storedOutput(res: ResponseObject): ChatCompletionMessageParam[] {
  const whole = res.output.filter((o) => o.type !== 'function_call' || o.status !== 'incomplete' || wholeJson(o.arguments));
  try {
    return inputToMessages(whole as any);
  } catch {
    return [];
  }
}

/**
 * The stored conversation `previous_response_id` names, or OpenAI's 404. A response an OpenAI (or
 * xAI) model made is held by that provider (the gateway keeps only its owner), so another provider
 * cannot continue it: a 400 that says so, rather than the 404 of an id that does not exist.
 */
export function historyOf(run: ResponsesRun): ChatCompletionMessageParam[] | undefined {
  const prev = run.req.previous_response_id;
  if (prev === undefined || prev === null) return undefined;
  const stored = typeof prev === 'string' ? run.store.get(prev, run.clientId) : null;
  const status = (stored?.response as ResponseObject | undefined)?.status;
  // Still streaming (or running in the background): its output is not known yet, so there is nothing whole to continue.
  if (status === 'in_progress' || status === 'queued') {
    throw badRequest(`Previous response '${String(prev)}' is still in progress; continue it once it has ended.`, 'previous_response_id');
  }
  if (stored) return stored.messages;
  const held = typeof prev === 'string' ? run.store.find(prev, run.clientId) : null;
  if (held?.forwarded) {
    const provider = run.decision.targets[0]?.provider ?? 'unknown';
    const holder = providerName(forwardedProvider(held));
    throw badRequest(
      `Previous response '${String(prev)}' was made by an ${holder} model and is held by ${holder}, so provider '${provider}' cannot continue it. ` +
        `Continue it with an ${holder} model, or send the conversation in 'input' without previous_response_id.`,
      'previous_response_id',
      'unsupported_parameter',
    );
  }
  throw previousNotFound(prev);
}

/**
 * OpenAI's refusal of a `previous_response_id` it does not hold (for this key): a 400 (the SDKs'
 * BadRequestError), code `previous_response_not_found`, as OpenAI answers one never stored
 * (`store: false`), deleted or unknown. A 404 was a NotFoundError that clients recovering by
 * sending the whole conversation again (they catch the 400 with that code) did not recognise.
 */
export const previousNotFound = (prev: unknown) =>
  badRequest(`Previous response with id '${shownValue(prev, ID_CHARS)}' not found.`, 'previous_response_id', 'previous_response_not_found');

/** A bridged request ready to run: the request with its item references resolved, and its chat form. */
export interface BridgedRun extends BridgedRequest {
  req: ResponsesRequest;
}

/**
 * The chat request the bridge will send (item references and `previous_response_id` resolved
 * from the store). Runs before any upstream call, so what it throws (400, 404) is a refusal.
 */
export function bridgeRequest(run: ResponsesRun): BridgedRun {
  const history = historyOf(run);
  const chain = responseChain(run.req.previous_response_id, run.store, run.clientId);
  const input = withoutReplay(run.req.input, chain, history);
  const req = { ...run.req, input: expandItemReferences(input, run.store, run.clientId) };
  const provider = run.decision.targets[0]?.provider ?? 'unknown';
  return { req, ...responsesToChat(req, { model: req.model, provider, history }) };
}

/**
 * Every provider but OpenAI: the Responses request becomes a chat completion through the chat
 * pipeline (same routing decision, fallback, breakers and log row, endpoint 'responses'), and
 * the completion (or its chunks) becomes a Responses object (or event sequence).
 */
export async function bridgedResponse(run: ResponsesRun, bridged: BridgedRun, earlier?: EarlierTries): Promise<EndpointAnswer> {
  try {
    return await answerBridged(run, bridged, earlier);
  } catch (err) {
    throw inClientTerms(err, bridged);
  }
}

/**
 * A refusal of the chat request before any call (a part or field the provider cannot take)
 * names the chat form's field (`messages[1].content[0].type`, `response_format`): it is given
 * the field of the client's request it came from instead (`input[0].content[0]`, `text.format`).
 */
function inClientTerms(err: unknown, { chat, paramOf }: BridgedRun): unknown {
  // A plain ApiError only (an upstream's own error, or one of another class, is left as it is).
  if (!(err instanceof ApiError) || err.constructor !== ApiError || err.status !== 400 || err.param === null) return err;
  const param = paramOf(err.param, chat.messages as ChatCompletionMessageParam[]);
  if (param === err.param) return err;
  const e = new ApiError({ status: err.status, message: err.message, type: err.type, code: err.code, param, headers: err.headers });
  if (err.spent) e.spent = err.spent;
  return e;
}

async function answerBridged(run: ResponsesRun, { req, chat, conversation }: BridgedRun, earlier?: EarlierTries): Promise<EndpointAnswer> {
  const { decision, clock } = run;
  if (req.truncation === 'auto') {
    const opts = { targets: decision.targets, hasInstructions: typeof req.instructions === 'string', maxOutputTokens: req.max_output_tokens };
    chat.messages = await truncateToWindow(chat.messages, opts);
  }
  const id = newId('resp');
  const createdAt = Math.floor(Date.now() / 1000);
  const opts: ChatRunOptions = {
    clientId: run.clientId, teamId: run.teamId, signal: run.signal, dropClient: run.dropClient, endpoint: 'responses', requestId: run.requestId, clock, decision,
    clientHeaders: run.clientHeaders, earlier, outputCap: run.outputCap,
    // A summary asked for: the reasoning is shown (a summary of it is all a client may see).
    showReasoning: wantsReasoningSummary(req),
  };
  // A failed or cancelled response is kept too (OpenAI keeps its failed ones: `retrieve` shows the
  // status and error); a follow-up to it continues from its input, without the partial output (a
  // tool call cut midway could not be sent upstream again).
  // `again`: a stream's last save, which must not bring back a response deleted while it ran.
  const remember = (res: ResponseObject, model: string, again = false) => {
    if (req.store === false) return;
    const output = res.status === 'failed' || res.status === 'cancelled' ? [] : storedOutput(res);
    run.store[again ? 'replace' : 'save'](id, {
      clientId: run.clientId, model, messages: [...conversation, ...output],
      provider: decision.targets.find((t) => t.modelId === model)?.provider ?? decision.targets[0]?.provider, response: res, inputItems: inputItemsOf(req.input),
    });
  };

  if (req.background === true) return inBackground(run, { req, chat, id, createdAt, opts, remember });

  if (!req.stream) {
    const r = await runChatCompletion(run.ctx, chat, opts);
    const res = chatToResponse(r.completion, responseSkeleton(req, id, r.completion.model || r.target.upstreamModel, createdAt));
    res.usage = responseUsage(r.usage);
    remember(res, r.target.modelId);
    if (req.store !== false) await run.store.persisted();
    const headers = gatewayHeaders({ overheadMs: clock.overhead(), target: r.target, decision, requestId: run.requestId });
    return { kind: 'json', body: JSON.stringify(res), headers };
  }

  // The client left: the response is stored `cancelled` at once, and with the usage its row bills once that is known.
  let left = false;
  const onBilled = (u: Usage | null) => {
    if (!left || !u) return;
    bridge.result.usage = responseUsage(u);
    remember(bridge.result, s.target.modelId, true);
  };
  const s = await streamChatCompletion(run.ctx, chat, { ...opts, onBilled });
  const headers = gatewayHeaders({ overheadMs: clock.overhead(), target: s.target, decision, requestId: run.requestId });
  // The model as the upstream names it (a dated snapshot), as the non-stream answer gives it.
  const { model, chunks } = await readAhead(s.chunks);
  const bridge = new ResponsesStreamBridge(responseSkeleton(req, id, model || s.target.upstreamModel, createdAt));
  // Retrievable from the moment its id goes out (response.created), as OpenAI shows a response
  // while it streams: `in_progress` (a copy: the bridge fills its own as chunks come), then as it ended.
  remember(structuredClone(bridge.result), s.target.modelId);
  // No usage from the upstream: the estimate the row bills (what was delivered, a failed stream's
  // too), as the non-stream answer gives it; a stream failed after the upstream counted the prompt
  // (Anthropic's message_start) bills that count, its output counted from the delivered text.
  const estimate = async () => {
    if (bridge.hasUsage) return;
    const reported = s.upstreamUsage();
    bridge.usageEstimate = responseUsage(reported ? await estimateOutputSampled(reported, bridge.delivered) : await estimateSampled(chat.messages as any[], bridge.delivered, undefined, chat.tools));
  };
  const body = chunkEventStream<ResponseEvent>(chunks, {
    start: () => bridge.start(),
    push: (c) => bridge.push(c),
    finish: async () => {
      await estimate();
      const events = bridge.finish();
      remember(bridge.result, s.target.modelId, true);
      // The end goes out once the stored response says it ended (a follow-up may go to another instance).
      if (req.store !== false) await run.store.persisted();
      return events;
    },
    fail: async (err) => {
      await estimate();
      const events = bridge.fail(err);
      remember(bridge.result, s.target.modelId, true);
      if (req.store !== false) await run.store.persisted();
      return events;
    },
    // The client left: the upstream call ends, and the response ends `cancelled` rather than in progress for ever.
    cancel: () => {
      left = true;
      bridge.cancel();
      remember(bridge.result, s.target.modelId, true);
    },
  });
  return { kind: 'stream', body, headers };
}

interface BackgroundStart {
  req: ResponsesRequest;
  chat: BridgedRun['chat'];
  id: string;
  createdAt: number;
  opts: ChatRunOptions;
  remember: (res: ResponseObject, model: string, again?: boolean) => void;
}

/**
 * `background: true` on a bridged model: answered at once, `queued` (streamed: the events as they
 * come), while the gateway runs the chat call itself, detached from the client's connection (its
 * leaving ends only its stream). The response is stored `queued`, `in_progress` once the upstream
 * answers, then as it ended; `retrieve` reads it, streams its events from a `starting_after`
 * while this instance holds them, and `cancel` ends it (bridged-background.ts). The chat pipeline
 * writes the request's one row when the upstream call ends, so the key's limits hold until then.
 */
async function inBackground(run: ResponsesRun, { req, chat, id, createdAt, opts, remember }: BackgroundStart): Promise<EndpointAnswer> {
  const { ctx, decision, clock, requestId } = run;
  const first = decision.targets[0]!;
  const job = ctx.backgroundJobs.start(id);
  const bridge = new ResponsesStreamBridge({ ...responseSkeleton(req, id, first.upstreamModel, createdAt), background: true });
  const queued: ResponseObject = { ...structuredClone(bridge.result), status: 'queued' };
  remember(queued, first.modelId);
  void runInBackground(run, job, bridge, { chat, opts, remember }).catch((err) => {
    // A bug must not leave the response in progress for ever, nor become an unhandled rejection.
    console.error(`[gophergate] background response ${id}: ${(err as Error)?.message ?? err}`);
    job.end();
  });
  // Its id goes out once it is stored (`store: false` is refused with `background`), so a retrieve,
  // cancel or delete sent to another instance the moment the client has it finds it there.
  await run.store.persisted();
  const headers = gatewayHeaders({ overheadMs: clock.overhead(), target: first, decision, requestId });
  return req.stream ? { kind: 'stream', body: followJob(job), headers } : { kind: 'json', body: JSON.stringify(queued), headers };
}

/** How often a running background response looks in the store for a cancel made on another instance. */
const CANCEL_CHECK_MS = 2_000;

async function runInBackground(
  run: ResponsesRun,
  job: BackgroundJob,
  bridge: ResponsesStreamBridge,
  { chat, opts, remember }: Pick<BackgroundStart, 'chat' | 'opts' | 'remember'>,
): Promise<void> {
  const { ctx, store, decision, clientId } = run;
  const id = bridge.result.id;
  let modelId = decision.targets[0]!.modelId;
  job.push(bridge.start(true));
  const estimate = async () => {
    if (!bridge.hasUsage) bridge.usageEstimate = responseUsage(await estimateSampled(chat.messages as any[], bridge.delivered, undefined, chat.tools));
  };
  /**
   * The response ends as it stands: cancelled, failed, or complete; its last event (the response
   * as it ended) reaches every follower before their streams close. `answered` null: the upstream
   * call ended before answering (refused, or cancelled first), the row bills nothing, so no estimate.
   * Cut short by a cancel, its usage is what the upstream had reported by then (Gemini's counts come
   * from its first chunk on, Anthropic's input at its start), as the row bills it, else the estimate.
   */
  const end = async (how: 'finish' | { error: unknown }, answered: { upstreamUsage(): Usage | null } | null) => {
    const reported = job.cancelled ? answered?.upstreamUsage() : null;
    if (reported && !bridge.hasUsage) bridge.usageEstimate = responseUsage(reported);
    else if (answered) await estimate();
    if (job.cancelled) job.push(bridge.cancel());
    else job.push(how === 'finish' ? bridge.finish() : bridge.fail(how.error));
    remember(bridge.result, modelId, true);
    job.end();
  };
  // A cancel or delete made through another instance is written to the store (stored-response-reads.ts):
  // seen here (stored `cancelled`, or gone), it ends the call. Gone counts only when it was saved
  // (`queued`, before the run began): with responses not stored there is nothing to look for.
  const stored = store.get(id, clientId) !== null;
  const watch = setInterval(() => {
    void store.load(id, true).then(
      () => {
        const status = (store.get(id, clientId)?.response as ResponseObject | undefined)?.status;
        if (status === 'cancelled' || (stored && status === undefined)) job.cancel();
      },
      () => {}, // the store is away: looked at again next time
    );
  }, CANCEL_CHECK_MS);
  (watch as any).unref?.();
  // The client's connection is not the call's: it runs on when the client leaves.
  const detached: ChatRunOptions = { ...opts, signal: job.signal, dropClient: undefined };
  try {
    const s = await streamChatCompletion(ctx, chat, detached).catch((error: unknown) => ({ error }));
    if ('error' in s) return await end({ error: s.error }, null);
    job.push(bridge.inProgress());
    modelId = s.target.modelId;
    try {
      const { model, chunks } = await readAhead(s.chunks);
      bridge.result.model = model || s.target.upstreamModel;
      remember(structuredClone(bridge.result), modelId, true);
      for await (const c of chunks) {
        job.push(bridge.push(c));
        if (job.cancelled) break;
      }
      await end('finish', s);
    } catch (error) {
      await end({ error }, s);
    }
  } finally {
    clearInterval(watch);
  }
}

