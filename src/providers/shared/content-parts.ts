import { badRequest } from '../../errors/api-error';
import type { ProviderId, UpstreamBody } from '../types';
import { clientPartOf } from './client-part';
import { isToolResultMedia } from './tool-result-media';
import { shownValue } from '../../errors/shown-value';
import { fileTitle, plainTextOfFile } from './inline-file';

/** What a provider's chat API reads in a user message: text only (DeepSeek), or text and images (Moonshot, xAI, Ollama). */
export type PartReader = 'text' | 'text and images';

/**
 * The providers whose chat API reads only some content parts, and what: their adapters fit a
 * request to it (fitContentParts), and count_tokens counts a request fitted the same way, so a
 * part /v1/messages refuses (a PDF, by URL too) is refused there too, never downloaded to count.
 */
const PART_READERS: Partial<Record<ProviderId, PartReader>> = { deepseek: 'text', grok: 'text and images', moonshot: 'text and images', ollama: 'text and images' };

const reads = (reader: PartReader, type: unknown): boolean => type === 'text' || (reader === 'text and images' && type === 'image_url');

/** What the model reads in place of a tool result's image or document it cannot read. */
const omittedText = (part: { type?: unknown }, model: string, reader: PartReader): string =>
  `[${part.type === 'file' ? 'document' : 'image'} omitted: ${model} ${reader === 'text' ? 'reads text only' : 'does not read documents'}]`;

/**
 * An image or document a tool returned (an agent's screenshot, a PDF it read) that the model
 * cannot read becomes a short text placeholder: refusing it would fail this turn and every later
 * turn of the conversation, which keeps the result. The messages are copied where a part changes:
 * a group's next target may see it.
 */
function omitToolResultMedia(body: UpstreamBody, model: string, reader: PartReader): void {
  const omitted = (p: any) => isToolResultMedia(p) && !reads(reader, p.type);
  if (!Array.isArray(body.messages) || !(body.messages as any[]).some((m) => Array.isArray(m?.content) && m.content.some(omitted))) return;
  body.messages = (body.messages as any[]).map((m) =>
    Array.isArray(m?.content) && m.content.some(omitted)
      ? { ...m, content: m.content.map((p: any) => (omitted(p) ? { type: 'text', text: omittedText(p, model, reader) } : p)) }
      : m,
  );
}

/**
 * A message content part the provider's chat API cannot read (DeepSeek's 400 "unknown variant
 * `image_url`, expected `text`"; xAI, Moonshot and Ollama take images but no `input_audio` or
 * `file`, which they refuse or drop): refused before the call as a parameter it cannot take,
 * naming the part, so the client learns it and a group (`fast-flow` starts with a DeepSeek model)
 * passes the request on to a target that can read it, as it does for json_schema. Part types
 * the gateway does not know go as sent.
 */
function refuseUnreadParts(body: UpstreamBody, provider: string, reader: PartReader): void {
  if (!Array.isArray(body.messages)) return;
  const refused = (p: any) => !reads(reader, p?.type) && (reader === 'text' || p?.type === 'input_audio' || p?.type === 'file');
  for (const [i, m] of (body.messages as any[]).entries()) {
    if (!Array.isArray(m?.content)) continue;
    const j = m.content.findIndex(refused);
    if (j < 0) continue;
    // A bridged request's part is named where the client sent it (client-part.ts).
    const origin = clientPartOf(m.content[j]);
    const where = origin?.path ?? `messages[${i}].content[${j}]`;
    const type = origin?.type ?? m.content[j]?.type;
    throw badRequest(
      `Content of type '${shownValue(type)}' (${where}) is not supported by provider '${provider}': its models read ${reader === 'text' ? 'text only' : 'text and images only'}.`,
      // A bridge's part is named as a whole (input[3].content[1]), as its own refusals name it.
      origin ? where : `${where}.type`,
      'unsupported_parameter',
    );
  }
}

/** The longest file name a plain-text file's header line shows, in characters. */
const FILENAME_MAX = 256;

/**
 * A `file` part of plain text (`file_data: data:text/plain;base64,…`) -> a text part: the file's
 * text decoded as UTF-8 (shared/inline-file.ts, as for Claude's text documents), after a header
 * line `File: <filename>` when the part names one. What a client that attaches a text file wants is
 * its text reaching the model; a chat API that reads text only has no file part to carry it in.
 * Null for any other part.
 */
function plainTextPart(part: any, path: string): { type: 'text'; text: string } | null {
  if (part?.type !== 'file') return null;
  const text = plainTextOfFile(part.file, clientPartOf(part)?.path ?? `${path}.file`);
  if (text === null) return null;
  const name = fileTitle(part.file, FILENAME_MAX);
  return { type: 'text', text: name ? `File: ${name}\n${text}` : text };
}

/**
 * Plain-text file parts as text parts (plainTextPart); the messages are copied where a part
 * changes (a request without file parts allocates nothing).
 */
function plainTextFilesAsText(body: UpstreamBody): void {
  if (!Array.isArray(body.messages)) return;
  const messages = body.messages as any[];
  let out: any[] | null = null;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (!Array.isArray(m?.content) || !m.content.some((p: any) => p?.type === 'file')) continue;
    const content = m.content.map((p: any, j: number) => plainTextPart(p, `messages[${i}].content[${j}]`) ?? p);
    if (content.every((p: any, j: number) => p === m.content[j])) continue;
    (out ??= messages.slice())[i] = { ...m, content };
  }
  if (out) body.messages = out;
}

/**
 * The content parts of a request fitted to the chat API of `provider` (what it reads: PART_READERS;
 * a provider not listed reads every part and is left as it is): plain-text files as text, a tool
 * result's image or document it cannot read as a placeholder, and any other part it cannot read
 * refused before the call (refuseUnreadParts).
 */
export function fitContentParts(body: UpstreamBody, provider: ProviderId): void {
  const reader = PART_READERS[provider];
  if (!reader) return;
  plainTextFilesAsText(body);
  omitToolResultMedia(body, String(body.model), reader);
  refuseUnreadParts(body, provider, reader);
}
