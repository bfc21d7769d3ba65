import type { GroupEntry, RuntimeSnapshot } from '../state/snapshot-types';
import type { Usage } from '../usage/types';
import { classifierSettingsOf } from './bucket-map';
import { resolveConcrete } from './resolve-concrete';
import type { ClassifierOutcome } from './resolve-route';
import type { ScoreCache } from './score-cache';
import type { HealthCheck, RouteTarget, RoutingText } from './types';
import { withDeadline } from '../runtime/deadline';

export interface ClassifierMessage {
  role: 'system' | 'user';
  content: string;
}

/**
 * Runs one non-stream chat completion against a concrete target through the gateway's provider
 * layer (src/proxy). Injected so routing stays free of HTTP and testable with a fake.
 */
export type CallModel = (
  target: RouteTarget,
  messages: ClassifierMessage[],
  signal: AbortSignal,
) => Promise<{ text: string; usage: Usage | null }>;

/** One classifier call that went upstream, for its own log row (endpoint 'classifier'). */
export interface ClassifierCall {
  group: string;
  target: RouteTarget;
  startedAt: number;
  latencyMs: number;
  usage: Usage | null;
  score: number | null;
  /** Why no score came back (timeout, upstream error, unparseable answer). */
  error: string | null;
}

/** What routing and its classifier calls need (routeRequest hands its deps on as they are: RouteDeps). */
export interface ClassifierDeps {
  snap: RuntimeSnapshot;
  /** Usually `breakers.available` (no side effect). */
  health: HealthCheck;
  /** Non-stream completion through the provider layer, for classifier groups. */
  callModel: CallModel;
  /** Classifier scores already asked for (the app's is AppContext.scoreCache). */
  cache: ScoreCache;
  /** The client's request signal: a client that leaves stops the classifier too. */
  signal?: AbortSignal;
  now?: () => number;
}

/**
 * The abort reason of a classifier call abandoned at its group's `timeout_ms`: the proxy records
 * that call as timed out, not as a client that went away (the client is still waiting).
 */
export class ClassifierTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timeout after ${timeoutMs} ms`);
  }
}

// The classifier sees the head and tail of the task; the middle of a long paste rarely
// changes how hard it is, and a short prompt keeps the call cheap and fast.
/**
 * The longest answer a classifier call may write (sent as max_completion_tokens): one integer, after
 * a reasoning model's thinking. Bounded, so a budget reserves a few cents for it at most, not an
 * answer as long as the model's output limit (a 400K-token window priced as output: $0.50).
 */
export const CLASSIFIER_MAX_OUTPUT_TOKENS = 4_096;

const EXCERPT_HEAD = 2500;
const EXCERPT_TAIL = 500;

/**
 * Reads a score from a model's answer: the first number in range after dropping reasoning
 * (up to the last `</think>`; an unclosed `<think>` to the end) and echoes of the scale ("8/10" -> 8, "Score: 7" -> 7, "on a 1-10 scale: 6" -> 6).
 * Decimals round. Null when no number in range is found.
 */
export function parseScore(answer: string, min: number, max: number): number | null {
  // A reasoning model's thoughts are not its score: what ends in `</think>` goes (the chat template
  // may have opened it in the prompt), and a thought never closed (cut off at the output cap) too.
  const closed = answer.toLowerCase().lastIndexOf('</think>');
  let s = (closed >= 0 ? answer.slice(closed + 8) : answer).replace(/<think>[\s\S]*$/i, ' ');
  s = s.replace(new RegExp(`\\b${min}\\s*(?:-|–|to)\\s*${max}\\b`, 'gi'), ' ');
  s = s.replace(/(?:\/|\bout of\b)\s*\d+/gi, ' ');
  for (const m of s.matchAll(/-?\d+(?:\.\d+)?/g)) {
    const n = Math.round(Number(m[0]));
    if (Number.isFinite(n) && n >= min && n <= max) return n;
  }
  return null;
}

function excerpt(t: RoutingText): string {
  const s = t.lastUser;
  return s.length <= EXCERPT_HEAD + EXCERPT_TAIL ? s : `${s.slice(0, EXCERPT_HEAD)}\n[...]\n${s.slice(-EXCERPT_TAIL)}`;
}

/** The short fixed prompt the classifier model answers. */
export function classifierMessages(t: RoutingText, min: number, max: number): ClassifierMessage[] {
  const notes: string[] = [];
  if (t.hasTools) notes.push('The request offers tools (agentic use).');
  if (t.totalChars > EXCERPT_HEAD + EXCERPT_TAIL) notes.push(`The full prompt is ${t.totalChars} characters long.`);
  return [
    {
      role: 'system',
      content:
        `Rate how demanding the user's task is for an AI model on a scale from ${min} to ${max}: ` +
        `${min} = trivial (greeting, short fact, formatting, classification), ` +
        `${max} = hardest (multi-step reasoning, complex code, proofs, long agentic work). ` +
        'Reply with one integer and nothing else.',
    },
    { role: 'user', content: `${notes.length ? notes.join(' ') + '\n\n' : ''}Task:\n${excerpt(t)}` },
  ];
}

const short = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n)}...` : s);

/** Scores a request for one classifier group; never throws (failures come back as outcomes). */
export async function runClassifier(
  group: GroupEntry,
  t: RoutingText,
  deps: ClassifierDeps,
): Promise<{ outcome: ClassifierOutcome; call: ClassifierCall | null }> {
  const cs = classifierSettingsOf(group.settings);
  if (!cs.model) return { outcome: { error: 'no classifier_model set' }, call: null };
  // No words of the user's to rate (an image alone, or a turn that only carries tool output with the
  // task in a stored conversation): the classifier would rate an empty task, and that one cached
  // score would then stand for every such request. Nothing is sent; the heuristic decides.
  if (!t.lastUser.trim()) return { outcome: { error: 'no user text to rate' }, call: null };
  const messages = classifierMessages(t, cs.min, cs.max);
  const key = `${group.name}|${cs.model}|${cs.min}-${cs.max}|${Bun.hash(messages[1]!.content)}`;
  const cached = deps.cache.get(key);
  if (cached !== null) return { outcome: { score: cached, cached: true }, call: null };

  let target: RouteTarget | null = null;
  try {
    target = resolveConcrete(cs.model, deps.snap);
  } catch {
    target = null;
  }
  if (!target) return { outcome: { error: `classifier model '${cs.model}' is unknown or disabled` }, call: null };
  if (!deps.health(target.provider, target.upstreamModel))
    return { outcome: { error: `classifier ${target.provider} circuit open` }, call: null };

  const now = deps.now ?? Date.now;
  const startedAt = now();
  const ac = new AbortController();
  const onParentAbort = () => ac.abort(deps.signal?.reason);
  deps.signal?.addEventListener('abort', onParentAbort, { once: true });
  const timedOut = () => {
    const reason = new ClassifierTimeout(cs.timeoutMs);
    ac.abort(reason);
    return reason;
  };
  const call: ClassifierCall = { group: group.name, target, startedAt, latencyMs: 0, usage: null, score: null, error: null };
  try {
    // Under a deadline too: a callModel that ignores the signal must not hold the request. A late
    // run looks again (runtime/deadline.ts): the answer may have come while the loop was held up.
    const res = await withDeadline(deps.callModel(target, messages, ac.signal), cs.timeoutMs, timedOut);
    call.usage = res.usage;
    call.score = parseScore(res.text, cs.min, cs.max);
    if (call.score === null) call.error = `unparseable answer "${short(res.text.trim())}"`;
  } catch (e) {
    call.error = short(e instanceof Error ? e.message : String(e), 120);
  } finally {
    deps.signal?.removeEventListener('abort', onParentAbort);
    call.latencyMs = now() - startedAt;
  }
  if (call.score === null) return { outcome: { error: call.error! }, call };
  deps.cache.set(key, call.score);
  return { outcome: { score: call.score, cached: false }, call };
}
