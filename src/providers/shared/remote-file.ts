import type { ChatCompletionContentPart } from 'openai/resources/chat/completions';
import { ApiError } from '../../errors/api-error';
import type { AdapterDeps, UpstreamBody } from '../types';

/**
 * A document the client gave by URL (Anthropic's `document` block with a `url` source, which the
 * AI SDK sends for a PDF URL), translated for a chat upstream: a `file` part without data, marked
 * with the URL and the block's path. An upstream that takes files gets the PDF downloaded by the
 * gateway under the image-URL guard (deps.fetchDocument: the same allow-list, size cap, redirects
 * and private-address refusal) and inline, as its file parts carry it (OpenAI's `file_data`,
 * Gemini's `inlineData`); one that reads no documents refuses the part as it refuses an inline PDF
 * (content-parts.ts), before anything is fetched. Not enumerable: a symbol never reaches a JSON body.
 */
const REMOTE_FILE: unique symbol = Symbol('gophergate.remoteFile');

export interface RemoteFile {
  url: string;
  /** The block's path in the client's request (`messages.0.content.1`). */
  path: string;
}

/** A `file` part for the document at `url` (named `filename`), marked for download. */
export function remoteFilePart(url: string, path: string, filename: string): ChatCompletionContentPart {
  const part = { type: 'file' as const, file: { filename } };
  Object.defineProperty(part, REMOTE_FILE, { value: { url, path } satisfies RemoteFile, enumerable: false });
  return part;
}

/** The document a part stands for, when it is a marked one. */
export const remoteFileOf = (part: unknown): RemoteFile | undefined =>
  part && typeof part === 'object' ? (part as { [REMOTE_FILE]?: RemoteFile })[REMOTE_FILE] : undefined;

/**
 * Downloads a marked part's document. A refusal of the guard or the download (private address,
 * not allowed, too large, not found, not a PDF) names the client's block in its message and param
 * (`messages.0.content.1.source.url: Document URL returned HTTP 404.`): the fetcher cannot know where
 * in the request the URL was.
 */
export async function fetchRemoteFile(r: RemoteFile, deps: AdapterDeps, signal?: AbortSignal): Promise<{ mimeType: string; base64: string }> {
  try {
    return await deps.fetchDocument(r.url, signal);
  } catch (err) {
    if (!(err instanceof ApiError) || err.param !== 'document_url') throw err;
    const where = `${r.path}.source.url`;
    const named = new ApiError({ status: err.status, message: `${where}: ${err.message}`, type: err.type, code: err.code, param: where, headers: err.headers });
    // The operator-only detail of a refusal (which address the host resolved to) goes along for the log row.
    const detail = (err as { logMessage?: unknown }).logMessage;
    throw typeof detail === 'string' ? Object.assign(named, { logMessage: `${where}: ${detail}` }) : named;
  }
}

const holdsRemote = (m: any): boolean => Array.isArray(m?.content) && m.content.some(remoteFileOf);

async function inlined(p: any, deps: AdapterDeps): Promise<any> {
  const r = remoteFileOf(p);
  if (!r) return p;
  const doc = await fetchRemoteFile(r, deps);
  return { ...p, file: { ...p.file, file_data: `data:${doc.mimeType};base64,${doc.base64}` } };
}

/**
 * For chat upstreams that take a file's bytes (OpenAI's `file` part, `file_data` as a data URI and
 * a `filename`): every marked part downloaded and inlined. The messages are copied where a part
 * changes (a group's next target may see the body); a body without marked parts is left as it was,
 * and then no promise is made (undefined): every OpenAI chat request passes here.
 */
export function inlineRemoteFiles(body: UpstreamBody, deps: AdapterDeps): Promise<void> | undefined {
  if (!Array.isArray(body.messages) || !body.messages.some(holdsRemote)) return undefined; // the usual body: no promise made
  return inlineAll(body, deps);
}

async function inlineAll(body: UpstreamBody, deps: AdapterDeps): Promise<void> {
  body.messages = await Promise.all(
    (body.messages as any[]).map(async (m) => (holdsRemote(m) ? { ...m, content: await Promise.all(m.content.map((p: any) => inlined(p, deps))) } : m)),
  );
}
