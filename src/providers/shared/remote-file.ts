import type { ChatCompletionContentPart } from 'openai/resources/chat/completions';
import { ApiError } from '../../errors/api-error';
import type { AdapterDeps, UpstreamBody } from '../types';

/**
 * A document the client gave by URL (Anthropic's `document` block with a `url` source, which the
 * AI SDK sends for a PDF URL; a Responses `input_file` with a `file_url`), translated for a chat
 * upstream: a `file` part without data, marked with the URL and where the client sent it. An upstream that takes files gets the PDF downloaded by the
 * gateway under the image-URL guard (deps.fetchDocument: the same allow-list, size cap, redirects
 * and private-address refusal) and inline, as its file parts carry it (OpenAI's `file_data`,
 * Gemini's `inlineData`); one that reads no documents refuses the part as it refuses an inline PDF
 * (content-parts.ts), before anything is fetched. Not enumerable: a symbol never reaches a JSON body.
 */
const REMOTE_FILE: unique symbol = Symbol('gophergate.remoteFile');

export interface RemoteFile {
  url: string;
  /** Where the URL is in the client's request, in its API's notation (`messages.0.content.1.source.url`, `input[0].content[1].file_url`). */
  where: string;
}

/** A `file` part for the document at `url` (named `filename`), marked for download. */
export function remoteFilePart(url: string, where: string, filename: string): ChatCompletionContentPart {
  return markRemoteFile({ type: 'file' as const, file: { filename } }, { url, where });
}

/** The part, marked as standing for the document `r` (a stored conversation's part is marked again when read back). */
export function markRemoteFile<T extends object>(part: T, r: RemoteFile): T {
  Object.defineProperty(part, REMOTE_FILE, { value: r, enumerable: false });
  return part;
}

/** The document a part stands for, when it is a marked one. */
export const remoteFileOf = (part: unknown): RemoteFile | undefined =>
  part && typeof part === 'object' ? (part as { [REMOTE_FILE]?: RemoteFile })[REMOTE_FILE] : undefined;

/**
 * Downloads a marked part's document. A refusal of the guard or the download (private address,
 * not allowed, too large, not found, not a PDF) names the client's URL field in its message and
 * param (`messages.0.content.1.source.url: Document URL returned HTTP 404.`,
 * `input[0].content[1].file_url: …`): the fetcher cannot know where in the request the URL was.
 */
export async function fetchRemoteFile(r: RemoteFile, deps: AdapterDeps, signal?: AbortSignal): Promise<{ mimeType: string; base64: string }> {
  try {
    return await deps.fetchDocument(r.url, signal);
  } catch (err) {
    if (!(err instanceof ApiError) || err.param !== 'document_url') throw err;
    const where = r.where;
    const named = new ApiError({ status: err.status, message: `${where}: ${err.message}`, type: err.type, code: err.code, param: where, headers: err.headers });
    // The operator-only detail of a refusal (which address the host resolved to) goes along for the log row.
    const detail = (err as { logMessage?: unknown }).logMessage;
    throw typeof detail === 'string' ? Object.assign(named, { logMessage: `${where}: ${detail}` }) : named;
  }
}

const holdsRemote = (m: any): boolean => Array.isArray(m?.content) && m.content.some(remoteFileOf);

/** A chat `file` part with its document's bytes as `file_data` (a data URI): a marked part downloaded, any other as it is. */
export async function withFileData(p: any, deps: AdapterDeps, signal?: AbortSignal): Promise<any> {
  const r = remoteFileOf(p);
  if (!r) return p;
  const doc = await fetchRemoteFile(r, deps, signal);
  return { ...p, file: { ...p.file, file_data: `data:${doc.mimeType};base64,${doc.base64}` } };
}

/**
 * For chat upstreams that take a file's bytes (OpenAI's `file` part, `file_data` as a data URI and
 * a `filename`): every marked part downloaded and inlined. The messages are copied where a part
 * changes (a group's next target may see the body); a body without marked parts is left as it was,
 * and then no promise is made (undefined): every OpenAI chat request passes here. count_tokens
 * inlines them too, to count a document's pages as an inline PDF's are counted.
 */
export function inlineRemoteFiles(body: UpstreamBody, deps: AdapterDeps, signal?: AbortSignal): Promise<void> | undefined {
  if (!Array.isArray(body.messages) || !body.messages.some(holdsRemote)) return undefined; // the usual body: no promise made
  return inlineAll(body, deps, signal);
}

async function inlineAll(body: UpstreamBody, deps: AdapterDeps, signal?: AbortSignal): Promise<void> {
  body.messages = await Promise.all(
    (body.messages as any[]).map(async (m) => (holdsRemote(m) ? { ...m, content: await Promise.all(m.content.map((p: any) => withFileData(p, deps, signal))) } : m)),
  );
}
