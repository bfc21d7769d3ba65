import { functionNameRestorer as restorer, renameFunction, type FunctionNameRule } from '../shared/function-names';

/**
 * Gemini refuses (400 INVALID_ARGUMENT "Invalid function name. Must start with a letter or an
 * underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.) or dashes (-), with a
 * maximum length of 64.") names OpenAI takes (`2fa_check`, `-x`). Some of its docs allow colons
 * too, its error does not: a colon is renamed as well (harmless: the client gets its name back).
 */
const GEMINI: FunctionNameRule = { valid: /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, refused: /[^A-Za-z0-9_.-]/g };

/** The name as Gemini takes it (shared/function-names.ts). */
export const geminiFunctionName = (name: string): string => renameFunction(GEMINI, name);

/** The client's function name a Gemini answer's name stands for, from the request's tools. */
export const functionNameRestorer = (tools: unknown) => restorer(GEMINI, tools);
