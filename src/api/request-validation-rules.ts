import { badRequest } from '../errors/api-error';
import { shownValue } from '../errors/shown-value';

/** Small value checks for request validation: each returns what is wrong, or null (and `unsupported`, OpenAI's 400 for a value outside a list). */
export type Check = (v: unknown) => string | null;

export const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const string: Check = (v) => (typeof v === 'string' ? null : 'must be a string');
export const nonEmptyString: Check = (v) => (typeof v === 'string' && v.trim() ? null : 'must be a non-empty string');
export const bool: Check = (v) => (typeof v === 'boolean' ? null : 'must be a boolean');
export const object: Check = (v) => (isObject(v) ? null : 'must be an object');
export const stringArray: Check = (v) => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? null : 'must be an array of strings');

/**
 * OpenAI's `metadata`: at most 16 pairs, keys of up to 64 characters, string values of up to 512
 * (what OpenAI refuses, and what a stored response echoes back must be to fit its schema).
 */
export const metadata: Check = (v) => {
  if (!isObject(v)) return 'must be an object';
  const entries = Object.entries(v);
  if (entries.length > 16) return `must have at most 16 keys, not ${entries.length}`;
  for (const [key, value] of entries) {
    if (key.length > 64) return `keys must have at most 64 characters ('${key.slice(0, 20)}…' has ${key.length})`;
    if (typeof value !== 'string') return `values must be strings ('${key}' is not)`;
    if (value.length > 512) return `values must have at most 512 characters ('${key}' has ${value.length})`;
  }
  return null;
};

/** A string of at most `max` characters. */
export const shortString =
  (max: number): Check =>
  (v) =>
    typeof v === 'string' && v.length <= max ? null : `must be a string of at most ${max} characters`;

export const int =
  (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Check =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
      ? null
      : `must be an integer${min > Number.MIN_SAFE_INTEGER ? ` >= ${min}` : ''}${max < Number.MAX_SAFE_INTEGER ? ` and <= ${max}` : ''}`;

export const num =
  (min: number, max: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? null : `must be a number between ${min} and ${max}`;

export const oneOf =
  (...values: string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? null : `must be one of ${values.map((x) => `'${x}'`).join(', ')}`;

/**
 * OpenAI's reasoning effort words (the openai SDK's `ReasoningEffort`): a model bridged or passed
 * to another provider would otherwise be sent any word, which one upstream refuses in its own
 * terms and another silently ignores.
 */
export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];
export const reasoningEffort: Check = oneOf(...REASONING_EFFORTS);

export const stop: Check = (v) =>
  typeof v === 'string' || (Array.isArray(v) && v.length <= 4 && v.every((s) => typeof s === 'string'))
    ? null
    : 'must be a string or an array of up to 4 strings';

/** OpenAI's words for a value outside a list: "Invalid value: 'x'. Supported values are: 'a', 'b', and 'c'." */
export function unsupported(param: string, v: unknown, values: readonly string[]) {
  const list = values.length > 2 ? `${values.slice(0, -1).map((x) => `'${x}'`).join(', ')}, and '${values.at(-1)}'` : values.map((x) => `'${x}'`).join(' and ');
  return badRequest(`Invalid value: '${shownValue(v)}'. Supported values are: ${list}.`, param, 'invalid_value');
}

/** The ways a file part names its file (OpenAI's `input_file`, chat's `file`), of which it gives one. */
const FILE_SOURCES = ['file_data', 'file_id', 'file_url'] as const;

/**
 * What is wrong with a file part (`input_file`, or chat's `file.file`) giving more than one of
 * file_data, file_id and file_url (null counts as not given): OpenAI's API reference documents
 * each as a way to give the file, not what two together mean, and the gateway used to take
 * file_data and drop the other without a word. Null when it gives at most one.
 */
export function fileSourcesProblem(file: Record<string, unknown>): string | null {
  const given = FILE_SOURCES.filter((k) => file[k] !== undefined && file[k] !== null);
  if (given.length < 2) return null;
  return `only one of 'file_data', 'file_id' or 'file_url' may be given, not ${given.map((k) => `'${k}'`).join(' and ')}`;
}
