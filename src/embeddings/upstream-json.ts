import type { AppContext } from '../context';
import { ApiError } from '../errors/api-error';
import { openUpstream, readBody } from '../proxy/open-upstream';
import { notJson } from '../proxy/upstream-errors';
import type { RequestClock } from '../proxy/request-clock';
import type { UpstreamCall } from '../providers/types';
import type { RouteTarget } from '../routing/types';

export interface CallOptions {
  signal?: AbortSignal;
  clock: RequestClock;
  /** The pool key walkTargets chose for this try (its errors are redacted with it). */
  apiKey?: string;
}

/** Sends one embeddings call and reads the whole answer, as text and parsed JSON. */
export async function callJson(ctx: AppContext, target: RouteTarget, call: UpstreamCall, opts: CallOptions): Promise<{ text: string; json: any }> {
  const up = await openUpstream(ctx, target, call, { signal: opts.signal, clock: opts.clock, bodyTimeout: 'header', apiKey: opts.apiKey });
  const text = await readBody(up, opts.clock);
  try {
    return { text, json: JSON.parse(text) };
  } catch {
    throw notJson(target.provider);
  }
}

/** An answer without the vectors it should hold is the upstream's fault: 502. */
export const malformed = (provider: string, what: string) =>
  new ApiError({ status: 502, message: `Upstream ${provider} answered without ${what}.`, type: 'api_error', code: 'upstream_error' });
