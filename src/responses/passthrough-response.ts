import type { ApiError } from '../errors/api-error';
import { openUpstream, readBody } from '../proxy/open-upstream';
import { gatewayHeaders, recordFailure, recordRequest, type Delivered, type RequestMeta, type StepResults } from '../proxy/request-outcome';
import type { ChatRequest, ProviderId, ProviderSettings } from '../providers/types';
import { RequestClock } from '../proxy/request-clock';
import type { RouteTarget } from '../routing/types';
import type { MessageLike } from '../usage/estimate-usage';
import type { Usage } from '../usage/types';
import { settleAnswer, walkTargets, type EarlierTries } from '../proxy/walk-targets';
import { clampOutputTokens, outputLimitOf, withOutputCap } from '../proxy/output-limit';
import { cappedEffort, defaultEffortOf, thinkingCapOf } from '../providers/shared/capped-thinking';
import { buildStoredResponseCall, buildResponsesCall, outputIdsOf, relayResponsesStream } from './native-passthrough';
import { forwardedProvider, leadingSameProvider, nativeRequestFor } from './native-responses';
import { renameResponseIds, upstreamResponseId } from './xai-response-ids';
import { isTerminalStatus, type ResponseState } from './background-follower';
import { openPassthroughStream, readPassthroughJson, type PassthroughJson, type PassthroughStream } from './passthrough-first-answer';
import { responseOutputText, usageFromResponse } from '../usage/response-usage';
import type { ResponsesRun } from './responses-answer';
import type { EndpointAnswer } from '../proxy/endpoint-types';
import type { ResponsesRequest } from './responses-types';
import { withoutBridgedItems } from './thinking-content';

/**
 * Models of a provider with its own Responses API (OpenAI, xAI: native-responses.ts): the
 * Responses request goes to the provider's /responses unchanged (built-in tools,
 * previous_response_id and store included; only the reasoning items of bridged Claude turns given
 * back as input are left out, and the gateway's own compaction items go as their summary: withoutBridgedItems) and the answer comes back byte for byte (xAI's with
 * its response id renamed: xai-response-ids.ts). Fallback
 * walks the decision's leading targets of that provider (after `earlier`, the tries of a group's
 * targets before them); once they all failed, `fallback` answers with the rest (create-response.ts).
 */
export async function passthroughResponse(run: ResponsesRun, fallback?: PassthroughFallback, earlier?: EarlierTries): Promise<EndpointAnswer> {
  const { ctx, req, decision, clock } = run;
  const targets = leadingSameProvider(decision.targets);
  const stream = req.stream === true;
  // What goes up: without the signed thinking of bridged Claude turns given back as input, our compactions as their summary (thinking-content.ts).
  const sent = withoutBridgedItems(req);
  const meta: RequestMeta = { endpoint: 'responses', requestId: run.requestId, clientId: run.clientId, teamId: run.teamId, modelRequested: req.model, stream, clock };
  // The settings (and key) of the try that answered: a background response is read back with them.
  let settings: ProviderSettings | null = null;
  // A try counts as answered once its whole JSON answer, or its stream's first event, was read and
  // is a Responses answer: a 200 that is not one fails the try, and the next target is tried.
  const walk = await walkTargets(ctx, { ...decision, targets }, async (t, s): Promise<PassthroughJson | PassthroughStream> => {
    settings = s;
    const up = await openUpstream(ctx, t, buildResponsesCall(passthroughBody(sent, t, run.outputCap?.(t)), t.upstreamModel, s), { signal: run.signal, dropClient: run.dropClient, clock, apiKey: s.apiKey });
    return stream ? openPassthroughStream(up, clock) : readPassthroughJson(up, clock);
  }, { signal: run.signal, settledOnReturn: () => false, firstKey: previousResponseKey(run), earlier, requestId: run.requestId });
  if (!walk.ok) {
    // Every target of this provider failed in a way that lets a group go on: its other targets are
    // tried (natively or through the bridge), which writes the one row with these tries too.
    const rest = decision.targets.slice(targets.length);
    const answer = walk.more && rest.length > 0 ? fallback?.(rest, walk) : null;
    if (answer) return answer;
    // The client left once the provider had the request: the row bills its prompt, estimated.
    if (walk.error.status === 499) meta.chat = { model: req.model, messages: promptOf(req) } as ChatRequest;
    throw recordFailure(ctx, meta, { decision, walk }, walk.error);
  }
  const { value: got, target } = walk;
  // The pool key that answered (the walk's last try): OpenAI holds the response for its project only (xAI for its team).
  const providerKeyId = walk.attempts.at(-1)?.keyId ?? null;
  // The provider keeps the response (unless store: false); the gateway keeps who made it, where, and with
  // which key, for retrieval and follow-ups. Its output items get the same record: OpenAI resolves an
  // `item_reference` to them for any key of the gateway's project, so one from another client key is
  // refused (create-response.ts); a read of such an id is forwarded and answered by the provider (404).
  const recordOwner = (id: unknown, outputIds: string[] = []) => {
    if (typeof id !== 'string' || !id || req.store === false) return;
    const owner = { clientId: run.clientId, model: target.modelId, messages: [], provider: target.provider, forwarded: true, providerKeyId };
    for (const key of [id, ...outputIds]) run.store.save(key, owner);
  };
  // The breaker hears once the answer is over, as for chat streams (the walk left it unsettled).
  const settle = (delivered: Delivered, error: ApiError | null, overheadMs: number) => {
    settleAnswer(ctx.breakers, target, error);
    recordRequest(ctx, meta, { decision, walk, delivered, error, overheadMs });
  };
  // `background: true`: the answer is over but the response runs on at the provider. Its row waits for
  // its end (read back now and then), so it carries the real usage and the key's limits count it;
  // `unseen` is what the row bills when the end is not seen (gone, given up, shutdown).
  const follow = (id: string, error: ApiError | null, overheadMs: number, unseen: Delivered) => {
    settleAnswer(ctx.breakers, target, error);
    const tries = { target: walk.target, attempts: walk.attempts, spent: walk.spent };
    followToEnd(ctx, { target, settings: settings!, id }, meta, { decision, walk: tries, delivered: unseen, error, overheadMs, latencyMs: clock.elapsed() });
  };
  if (stream) {
    let ownerKept = false;
    const overheadMs = clock.overhead();
    const headers = gatewayHeaders({ overheadMs, target, decision, requestId: run.requestId });
    const opened = got as PassthroughStream;
    const body = relayResponsesStream(opened.up, ({ usage, error, responseId, outputIds, text, chars, billExtras }) => {
      if (!ownerKept) recordOwner(responseId, outputIds);
      if (usage) return settle({ usage, text, chars }, error, overheadMs);
      // Cut before the terminal event (the client left, the upstream broke off): no usage came, so
      // the row bills the prompt and the delivered text, estimated (as a cut chat stream is)...
      meta.chat = { model: req.model, messages: promptOf(req) } as ChatRequest;
      const cut: Delivered = { usage: null, text, chars, billExtras };
      // ...unless the response runs on in the background at OpenAI: then its own usage, at its end.
      if (req.background === true && responseId) return follow(responseId, error, overheadMs, cut);
      settle(cut, error, overheadMs);
    }, {
      // Recorded from the moment the client learns the id (written first for a background one), and again, with the output items and
      // written, before the terminal event goes out: another key's read or follow-up on any instance is refused.
      onId: (id) => {
        recordOwner(id);
        // A background response's client may leave at once and poll another instance: written first.
        if (req.background === true && req.store !== false) return run.store.persisted();
      },
      atTerminal: async (id, outputIds) => {
        ownerKept = true;
        recordOwner(id, outputIds);
        if (req.store !== false) await run.store.persisted();
      },
    }, opened);
    return { kind: 'stream', body, headers };
  }
  const { json } = got as PassthroughJson;
  // xAI's bare response id as the client sees it (`resp_…`): the answer then goes out re-serialised.
  const text = renameResponseIds(target.provider, json) ? JSON.stringify(json) : (got as PassthroughJson).text;
  let usage: Usage | null = null;
  try {
    usage = usageFromResponse(json, target.provider);
    recordOwner(json.id, outputIdsOf(json));
  } catch {
    // A shape nothing can be read from: relayed as OpenAI sent it; nothing to account.
  }
  // Written before the answer goes out: the client's next request may reach another instance.
  if (req.store !== false) await run.store.persisted();
  const overheadMs = clock.overhead();
  if (req.background === true && typeof json?.id === 'string' && !isTerminalStatus(json.status)) follow(json.id, null, overheadMs, { usage });
  else if (usage === null && (json?.status === 'completed' || json?.status === 'incomplete')) {
    // A finished answer without usable usage (none, or nonsense counts): the row bills the prompt
    // and the answer's text, estimated, as a chat answer without usage is.
    meta.chat = { model: req.model, messages: promptOf(req) } as ChatRequest;
    settle({ usage: null, text: responseOutputText(json) }, null, overheadMs);
  } else settle({ usage }, null, overheadMs);
  return { kind: 'json', body: text, headers: gatewayHeaders({ overheadMs, target, decision, requestId: run.requestId }) };
}

/**
 * The Responses body target `t` is sent: the client's (nativeRequestFor; without the reasoning items
 * of bridged Claude turns: withoutBridgedItems), its output held to a small
 * budget's `cap` and to its model's limit. Where the cap lowered (or set) max_output_tokens, its
 * `reasoning.effort` (OpenAI's default `medium` where none is named) is fitted below the cap too, as a translated target's is (open-attempt.ts):
 * OpenAI's reasoning models count thinking inside max_output_tokens, so `high` under a cap of a few
 * thousand tokens would think the whole cap away and answer nothing (status incomplete), billed.
 */
function passthroughBody(req: ResponsesRequest, t: RouteTarget, cap: number | undefined): ResponsesRequest {
  const native = nativeRequestFor(req, t);
  const limit = outputLimitOf(t);
  const capped = withOutputCap(native, cap, 'max_output_tokens');
  const body = clampOutputTokens(capped, limit);
  const asked = body.reasoning?.effort;
  const effort = typeof asked === 'string' ? asked : defaultEffortOf(t);
  if (capped === native || effort === undefined) return body;
  const fits = cappedEffort(effort, thinkingCapOf(Math.min(cap!, limit ?? Infinity)), t);
  return fits === effort ? body : { ...body, reasoning: { ...body.reasoning, effort: fits } };
}

/**
 * The answer of a group's targets after its leading ones of one native provider (`rest`), once those all failed
 * (`earlier`: their tries); null when the request cannot go to them (the bridge refuses it).
 */
export type PassthroughFallback = (rest: RouteTarget[], earlier: EarlierTries) => Promise<EndpointAnswer> | null;

/**
 * The pool key that made the provider's response a follow-up continues (`previous_response_id`), to be
 * tried first: with keys of several OpenAI projects (xAI teams), only that one's can find it. (The
 * store was loaded for this id before routing, so find() answers from memory on PostgreSQL too.)
 */
function previousResponseKey(run: ResponsesRun): { provider: ProviderId; keyId: string } | null {
  const prev = run.req.previous_response_id;
  if (typeof prev !== 'string') return null;
  const entry = run.store.find(prev, run.clientId);
  return entry?.forwarded && entry.providerKeyId ? { provider: forwardedProvider(entry), keyId: entry.providerKeyId } : null;
}

/**
 * Follows a background response until it ends (ctx.backgroundResponses), then writes its one row
 * with the usage seen (`steps.delivered` when none). Made outside passthroughResponse so that the
 * job, held for as long as the response runs (hours), keeps only these values: a closure made
 * there shares its scope, which holds the whole request (an input as large as the body: 30
 * followed responses of 8 MB input held 240 MiB).
 */
function followToEnd(
  ctx: ResponsesRun['ctx'],
  response: { target: RouteTarget; settings: ProviderSettings; id: string },
  meta: RequestMeta,
  steps: StepResults & { delivered: Delivered },
): void {
  ctx.backgroundResponses.follow({
    read: () => {
      // Each read is a sign of life: the key's reservation outlives the sweep of lost rows (an hour).
      ctx.limits.keepAlive(meta.requestId);
      return readResponseState(ctx, response.target, response.settings, response.id);
    },
    finish: (usage) => recordRequest(ctx, meta, usage ? { ...steps, delivered: { ...steps.delivered, usage } } : steps),
  });
}

/** A background response's status and usage, read at its provider with the key that made it. */
async function readResponseState(ctx: ResponsesRun['ctx'], target: RouteTarget, settings: ProviderSettings, id: string): Promise<ResponseState> {
  const clock = new RequestClock();
  const up = await openUpstream(ctx, target, buildStoredResponseCall(settings, 'GET', `/responses/${encodeURIComponent(upstreamResponseId(target.provider, id))}`), { clock, apiKey: settings.apiKey, bodyTimeout: 'header' });
  const json = JSON.parse(await readBody(up, clock));
  // The upstream's status: anything but text is no status (String() of an object can throw).
  return { status: typeof json?.status === 'string' ? json.status : '', usage: usageFromResponse(json, target.provider) };
}

/**
 * The prompt of a Responses request as chat-like messages, for an estimate only: the
 * instructions, then the input (a string, or items whose `content` holds the text). What OpenAI
 * keeps for a `previous_response_id` is not known here, so a continued conversation is undercounted.
 */
export function promptOf(req: ResponsesRequest): MessageLike[] {
  const out: MessageLike[] = [];
  if (typeof req.instructions === 'string') out.push({ role: 'system', content: req.instructions });
  if (typeof req.input === 'string') out.push({ role: 'user', content: req.input });
  else if (Array.isArray(req.input)) out.push(...(req.input as MessageLike[]));
  return out;
}
