/** Which Gemini generation a model id names, and what its thinking settings take. */

/** Major version in a Gemini model id (`gemini-2.5-flash` -> 2, `gemini-3-pro-preview` -> 3). */
export function geminiMajor(model: string): number {
  const m = /gemini-(\d+)/i.exec(model);
  return m ? Number(m[1]) : 0;
}

/**
 * Whether a Gemini 3 model takes thinkingLevel `medium`: Gemini 3 Pro (3.0) takes only low and
 * high (Google's Gemini 3 guide; its 400 "Thinking level MEDIUM is not supported for this model"),
 * 3.1 Pro and the Flash models take it.
 */
export function takesMediumLevel(model: string): boolean {
  return !/gemini-3-pro/i.test(model);
}

/**
 * Whether the model validates thought signatures on the history's function calls: Gemini 3 and
 * later, and the floating aliases (`gemini-flash-latest`, `gemini-pro-latest`), which name no
 * version and which Google moved to Gemini 3 models. Gemini 2.5 does not validate them.
 */
export function validatesThoughtSignatures(model: string): boolean {
  return geminiMajor(model) >= 3 || /(^|\/)gemini-[a-z-]*latest$/i.test(model);
}
