import type { RoutingText } from './types';
import { repeatsOverlappingChoice } from './regex-choice-hazard';
import { repeatsTradeCharacters } from './regex-repeat-chain-hazard';

/**
 * One heuristic rule, stored as data in a group's `settings.rules` (JSON).
 *
 * Every rule that matches the request adds its `weight` (default 1) to the request's points;
 * the group then picks target `min(points, targets - 1)` (rounded down). Zero points pick the
 * first (fast) target; each point moves one target toward the strong end of the list, so a
 * weight-2 rule on its own already reaches the third target of a three-target group.
 *
 * Kinds:
 * - `{kind:'keywords', words:[...]}`: any word or phrase in the last user message, case
 *   insensitive, whole words; a trailing `*` matches a prefix (`debug*` also finds "debugging");
 *   spaces in a phrase match any whitespace.
 * - `{kind:'regex', pattern:'...', flags?:'i'}`: a JavaScript regex against the last user message.
 * - `{kind:'code_block'}`: the last user message holds a fenced code block (```).
 * - `{kind:'min_chars', chars:N}`: the whole prompt (every message) has at least N characters.
 * - `{kind:'tools'}`: the request offers tools or functions (agent loops).
 * - `{kind:'min_messages', count:N}`: the conversation has at least N messages.
 *
 * Each rule may carry a `name` used in the decision's reason. A group without `settings.rules`
 * uses DEFAULT_HEURISTIC_RULES; an empty array disables the heuristic (always the first target).
 */
export type HeuristicRule = { name?: string; weight?: number } & (
  | { kind: 'keywords'; words: string[] }
  | { kind: 'regex'; pattern: string; flags?: string }
  | { kind: 'code_block' }
  | { kind: 'min_chars'; chars: number }
  | { kind: 'tools' }
  | { kind: 'min_messages'; count: number }
);

export const DEFAULT_HEURISTIC_RULES: readonly HeuristicRule[] = Object.freeze([
  {
    name: 'hard reasoning',
    kind: 'keywords',
    weight: 2,
    words: ['prove', 'proof', 'step by step', 'step-by-step', 'race condition', 'deadlock', 'theorem', 'formally verify', 'time complexity'],
  },
  {
    name: 'coding task',
    kind: 'keywords',
    weight: 1,
    words: ['debug*', 'refactor*', 'stack trace', 'traceback', 'segfault', 'memory leak', 'optimi*e', 'implement*', 'architect*', 'concurren*'],
  },
  { name: 'code block', kind: 'code_block', weight: 1 },
  { name: 'long prompt', kind: 'min_chars', chars: 4000, weight: 1 },
  { name: 'tools present', kind: 'tools', weight: 1 },
  { name: 'long conversation', kind: 'min_messages', count: 20, weight: 1 },
] satisfies HeuristicRule[]);

// Matching cost must not grow with a pasted document: rules see the first and last 2 KB of the
// last user message, which is where the instruction almost always is (bench/routing-decision.ts:
// a full 50 KB scan cost ~170 µs per decision, the capped one 10-30 µs, a short prompt ~1.5 µs).
const SCAN_HALF = 2048;

function scanText(t: RoutingText): string {
  const s = t.lastUser;
  return s.length <= SCAN_HALF * 2 ? s : s.slice(0, SCAN_HALF) + '\n' + s.slice(-SCAN_HALF);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A whole word's edges: `\b` beside a word character; beside another one (`c++`, `c#`, `.net`)
 * `\b` would demand a word character on the far side, so the edge is "no word character there".
 */
const startEdge = (core: string) => (/^\w/.test(core) ? '\\b' : '(?<!\\w)');
const endEdge = (core: string) => (/\w$/.test(core) ? '\\b' : '(?!\\w)');

function keywordSource(word: string): string {
  const prefix = word.endsWith('*');
  const core = (prefix ? word.slice(0, -1) : word).trim();
  const body = core.split(/\s+/).map((w) => escapeRe(w).replace(/\\\*/g, '\\w*')).join('\\s+');
  return `${startEdge(core)}${body}${prefix ? '' : endEdge(core)}`;
}

/**
 * A keyword rule's patterns, two ways: JSC scans a single-word pattern for its first character
 * fast, so over a long text one regex per keyword wins (4 KB: ~8 µs for the default words, against
 * ~17 µs for an alternation); over a short one the calls cost more than the scan, and one
 * alternation wins (30 chars: ~0.35 -> ~0.1 µs; ~0.6 against ~1.3 µs still at 800). Same matches.
 */
export interface KeywordMatcher {
  each: RegExp[];
  any: RegExp | null;
}
const ALTERNATION_MAX_CHARS = 1024;

/** A word whose `*`s expand to `\w*` runs that trade characters (`a*a*a*b`): never run (validateHeuristicRules refuses it). */
const wildcardsTrade = (word: string) => word.indexOf('*') < word.lastIndexOf('*', word.length - 2) && repeatsTradeCharacters(keywordSource(word), 'i');

export function keywordMatcher(words: unknown): KeywordMatcher {
  const sources = (Array.isArray(words) ? words : []).filter((w): w is string => typeof w === 'string' && w.trim() !== '' && !wildcardsTrade(w)).map(keywordSource);
  return { each: sources.map((src) => new RegExp(src, 'i')), any: sources.length ? new RegExp(sources.map((src) => `(?:${src})`).join('|'), 'i') : null };
}

/**
 * Whether a regex repeats a part that itself repeats (`(a+)+`, `(\\w*\\s)*`, `(x{2,})+`): the
 * classic catastrophic backtracking, where a few dozen characters of a prompt that almost match
 * keep the (single) event loop busy for minutes. A rough, safe-side check of the pattern's text
 * (escapes and character classes skipped); bounded repeats (`?`) do not count.
 */
export function nestsRepetition(pattern: string): boolean {
  const groups: boolean[] = [false]; // per open group: does it hold a repetition?
  let i = 0;
  const repeatAt = (j: number) => pattern[j] === '*' || pattern[j] === '+' || (pattern[j] === '{' && /^\{\d*,?\d*\}/.test(pattern.slice(j)));
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === '\\') i += 2;
    else if (ch === '[') {
      i++;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      i++;
    } else if (ch === '(') {
      groups.push(false);
      i++;
      if (pattern[i] === '?') i++; // (?:, (?=, (?<name>: the ? is no repeat
    } else if (ch === ')') {
      const inner = groups.length > 1 ? groups.pop()! : false;
      i++;
      const repeated = repeatAt(i);
      if (repeated && inner) return true;
      if (inner || repeated) groups[groups.length - 1] = true;
    } else {
      if (repeatAt(i)) groups[groups.length - 1] = true;
      i++;
    }
  }
  return false;
}

// Compiled once per rule object: snapshot rules are stable objects, so this is a cache hit
// on every request after the first.
/** What never runs on a prompt: a pattern that could backtrack for minutes (regex-choice-hazard.ts, regex-repeat-chain-hazard.ts). */
const regexHazard = (pattern: string, flags = '') => nestsRepetition(pattern) || repeatsOverlappingChoice(pattern) || repeatsTradeCharacters(pattern, flags);

const compiled = new WeakMap<object, RegExp | KeywordMatcher | null>();

function compile(rule: HeuristicRule): RegExp | KeywordMatcher | null {
  let c = compiled.get(rule);
  if (c !== undefined) return c;
  try {
    if (rule.kind === 'keywords') {
      c = keywordMatcher(rule.words);
    } else if (rule.kind === 'regex') {
      // A pattern that nests repetition, repeats a choice whose branches start alike or chains repeats that trade characters never
      // matches (validateHeuristicRules refuses it on save; one stored before that check must not let a prompt stall the gateway).
      c = regexHazard(rule.pattern, rule.flags) ? null : new RegExp(rule.pattern, (rule.flags ?? '').replace(/[gy]/g, ''));
    } else {
      c = null;
    }
  } catch {
    c = null; // an invalid pattern never matches; validateHeuristicRules reports it at save time
  }
  compiled.set(rule, c);
  return c;
}

interface Scan {
  text(): string;
}

function matches(rule: HeuristicRule, t: RoutingText, scan: Scan): boolean {
  switch (rule.kind) {
    case 'keywords': {
      const ks = compile(rule) as KeywordMatcher | null;
      if (!ks || !ks.any) return false;
      const text = scan.text();
      if (text.length <= ALTERNATION_MAX_CHARS) return ks.any.test(text);
      for (const re of ks.each) if (re.test(text)) return true;
      return false;
    }
    case 'regex': {
      const re = compile(rule) as RegExp | null;
      return re !== null && re.test(scan.text());
    }
    case 'code_block':
      return scan.text().includes('```');
    case 'min_chars':
      return t.totalChars >= rule.chars;
    case 'tools':
      return t.hasTools;
    case 'min_messages':
      return t.messageCount >= rule.count;
    default:
      return false;
  }
}

/** The rules a group's settings hold, or the defaults when it names none. */
export function rulesOf(settings: Record<string, unknown>): readonly HeuristicRule[] {
  return Array.isArray(settings.rules) ? (settings.rules as HeuristicRule[]) : DEFAULT_HEURISTIC_RULES;
}

export interface HeuristicChoice {
  index: number;
  points: number;
  /** Names of the rules that matched. */
  matched: string[];
}

/** Pure and allocation-light: runs on every request to a heuristic group. */
export function chooseHeuristic(rules: readonly HeuristicRule[], t: RoutingText, targetCount: number): HeuristicChoice {
  let points = 0;
  const matched: string[] = [];
  let text: string | null = null;
  const scan: Scan = { text: () => (text ??= scanText(t)) };
  for (const rule of rules) {
    if (!rule || typeof rule !== 'object') continue;
    if (matches(rule, t, scan)) {
      const w = typeof rule.weight === 'number' && Number.isFinite(rule.weight) ? rule.weight : 1;
      points += w;
      matched.push(rule.name ?? rule.kind);
    }
  }
  const index = Math.max(0, Math.min(targetCount - 1, Math.floor(points)));
  return { index, points, matched };
}

/** A malformed rule: the field at fault (`settings.rules[2].pattern`) and a message that starts with it. */
export interface RuleProblem {
  field: string;
  message: string;
}

/** Save-time check of `settings.rules`: one problem per malformed rule. */
export function validateHeuristicRules(rules: unknown): RuleProblem[] {
  if (rules === undefined) return [];
  const out: RuleProblem[] = [];
  const bad = (field: string, what: string) => void out.push({ field, message: `${field} ${what}` });
  if (!Array.isArray(rules)) {
    bad('settings.rules', 'must be an array of rules');
    return out;
  }
  rules.forEach((r, i) => {
    const at = `settings.rules[${i}]`;
    if (!r || typeof r !== 'object') return bad(at, 'must be an object');
    const rule = r as Record<string, unknown>;
    if (rule.weight !== undefined && (typeof rule.weight !== 'number' || !Number.isFinite(rule.weight)))
      bad(`${at}.weight`, 'must be a number');
    switch (rule.kind) {
      case 'keywords':
        if (!Array.isArray(rule.words) || !rule.words.every((w) => typeof w === 'string'))
          bad(`${at}.words`, 'must be an array of strings');
        else if (rule.words.some(wildcardsTrade))
          bad(`${at}.words`, `has a word with more than one * inside (${rule.words.find(wildcardsTrade)}): a prompt could make it run for minutes; keep to one * per word`);
        break;
      case 'regex':
        if (typeof rule.pattern !== 'string') {
          bad(`${at}.pattern`, 'must be a string');
          break;
        }
        if (rule.flags !== undefined && typeof rule.flags !== 'string') {
          bad(`${at}.flags`, 'must be a string');
          break;
        }
        try {
          new RegExp(String(rule.pattern), typeof rule.flags === 'string' ? rule.flags : '');
        } catch (e) {
          bad(`${at}.pattern`, `is not a valid regular expression: ${(e as Error).message}`);
          break;
        }
        if (nestsRepetition(rule.pattern))
          bad(`${at}.pattern`, 'repeats a part that itself repeats (such as (a+)+): a prompt could make it run for minutes; write it without the nesting');
        else if (repeatsOverlappingChoice(rule.pattern))
          bad(`${at}.pattern`, 'repeats a choice whose branches may start alike (such as (a|ab)+ or (\\s|,)*): a prompt could make it run for minutes; give each branch its own first character, or write single characters as a class ([\\s,]*)');
        else if (repeatsTradeCharacters(rule.pattern, typeof rule.flags === 'string' ? rule.flags : ''))
          bad(`${at}.pattern`, 'has two repeats in a row that can trade characters (such as .*x.*y or [a-z]+[a-z]+1): a prompt could make it run for minutes; drop a leading .* (a rule finds its match anywhere), or repeat what cannot be the next part ([^x]*x)');
        break;
      case 'min_chars':
        if (typeof rule.chars !== 'number') bad(`${at}.chars`, 'must be a number');
        break;
      case 'min_messages':
        if (typeof rule.count !== 'number') bad(`${at}.count`, 'must be a number');
        break;
      case 'code_block':
      case 'tools':
        break;
      default:
        bad(`${at}.kind`, 'must be one of keywords, regex, code_block, min_chars, tools, min_messages');
    }
  });
  return out;
}
