import { checkModelName } from '../routing/model-name';
import { badRequest } from '../errors/api-error';
import type { EmbeddingInputs, EmbeddingRequest } from './embeddings-types';

/** OpenAI's own limit on inputs per request. */
export const MAX_INPUTS = 2048;

/** Gemini's embedding task types, as its API spells them. */
export const GEMINI_TASK_TYPES = [
  'TASK_TYPE_UNSPECIFIED', 'RETRIEVAL_QUERY', 'RETRIEVAL_DOCUMENT', 'SEMANTIC_SIMILARITY', 'CLASSIFICATION',
  'CLUSTERING', 'QUESTION_ANSWERING', 'FACT_VERIFICATION', 'CODE_RETRIEVAL_QUERY',
] as const;

const invalidInput = (message: string) => badRequest(message, 'input', 'invalid_input');
// Past 2^53 a JSON number is no longer the id it was written as (the tokenizer's ids are far below).
const isTokenId = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function tokenArray(v: unknown[], where: string): number[] {
  if (v.length === 0) throw invalidInput(`${where} must not be an empty token array.`);
  if (!v.every(isTokenId)) throw invalidInput(`${where} must hold only non-negative integer token ids.`);
  return v as number[];
}

/** An embeddings request that passed validateEmbeddingRequest, with its inputs in one shape. */
export interface ValidEmbeddings {
  req: EmbeddingRequest;
  inputs: EmbeddingInputs;
}

/**
 * The request's inputs in one shape: a string, an array of strings, one token array or an array
 * of token arrays, as OpenAI accepts them. Empty strings, empty arrays, mixed or other types and
 * more than MAX_INPUTS inputs (strings or token arrays; one token array is one input, of any
 * length) are refused with a 400 naming `input`.
 */
export function validateEmbeddingRequest(body: unknown): ValidEmbeddings {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('The request body must be a JSON object.');
  const req = body as EmbeddingRequest;
  if (typeof req.model !== 'string' || !req.model) throw badRequest("'model' is required.", 'model');
  checkModelName(req.model);
  const input: unknown = req.input;
  if (input === undefined || input === null) throw badRequest("'input' is required.", 'input');
  const inputs: EmbeddingInputs = { kind: 'text', texts: [], tokens: [], encodingFormat: 'float', dimensions: null, taskType: null };
  if (typeof input === 'string') {
    if (!input) throw invalidInput("'input' must not be an empty string.");
    inputs.texts = [input];
  } else if (Array.isArray(input)) {
    if (input.length === 0) throw invalidInput("'input' must not be an empty array.");
    // One token array is one input, however many tokens it holds (the provider limits those).
    const tooMany = () => invalidInput(`'input' holds ${input.length} inputs; at most ${MAX_INPUTS} are allowed per request.`);
    if (input.every((v) => typeof v === 'string')) {
      if (input.length > MAX_INPUTS) throw tooMany();
      const empty = input.findIndex((v) => v === '');
      if (empty >= 0) throw invalidInput(`'input[${empty}]' must not be an empty string.`);
      inputs.texts = input as string[];
    } else if (input.every((v) => typeof v === 'number')) {
      inputs.kind = 'tokens';
      inputs.tokens = [tokenArray(input, "'input'")];
    } else if (input.every((v) => Array.isArray(v))) {
      if (input.length > MAX_INPUTS) throw tooMany();
      inputs.kind = 'tokens';
      inputs.tokens = input.map((v, i) => tokenArray(v as unknown[], `'input[${i}]'`));
    } else {
      throw invalidInput("'input' must be a string, an array of strings, an array of token ids or an array of token id arrays.");
    }
  } else {
    throw invalidInput("'input' must be a string, an array of strings, an array of token ids or an array of token id arrays.");
  }
  const fmt = req.encoding_format;
  if (fmt !== undefined && fmt !== null) {
    if (fmt !== 'float' && fmt !== 'base64') throw badRequest("'encoding_format' must be 'float' or 'base64'.", 'encoding_format');
    inputs.encodingFormat = fmt;
  }
  const dims = req.dimensions;
  if (dims !== undefined && dims !== null) {
    if (typeof dims !== 'number' || !Number.isSafeInteger(dims) || dims < 1) {
      throw badRequest("'dimensions' must be a positive integer.", 'dimensions');
    }
    inputs.dimensions = dims;
  }
  // As on chat: OpenAI refuses another type; Gemini, Ollama and the mock would have ignored it.
  if (req.user !== undefined && req.user !== null && typeof req.user !== 'string') {
    throw badRequest("Invalid value for 'user': must be a string.", 'user');
  }
  const task = req.task_type;
  if (task !== undefined && task !== null) {
    if (typeof task !== 'string' || !(GEMINI_TASK_TYPES as readonly string[]).includes(task)) {
      throw badRequest(`'task_type' must be one of ${GEMINI_TASK_TYPES.join(', ')}.`, 'task_type');
    }
    inputs.taskType = task;
  }
  return { req, inputs };
}

/** How many inputs the request holds. */
export const inputCount = (i: EmbeddingInputs) => (i.kind === 'text' ? i.texts.length : i.tokens.length);
