/**
 * Where a translated content part came from in the client's own request (`messages.2.content.1`,
 * an Anthropic `image` block), so an adapter that refuses the part names it in the client's terms:
 * a bridge numbers its chat messages differently (the system prompt goes first, a turn's tool
 * results become messages of their own) and names the part by chat's type (`image_url`, `file`).
 * Not enumerable, as TOOL_RESULT_MEDIA: a symbol never reaches a JSON body.
 */
const CLIENT_PART: unique symbol = Symbol('gophergate.clientPart');

export interface ClientPart {
  /** The block's path in the client's request, in its API's notation. */
  path: string;
  /** The block's type as the client named it. */
  type: string;
}

/** The part, marked with where the client sent it. */
export function markClientPart<T extends object>(part: T, origin: ClientPart): T {
  Object.defineProperty(part, CLIENT_PART, { value: origin, enumerable: false });
  return part;
}

/** Where the client sent a part, when a bridge marked it. */
export const clientPartOf = (part: unknown): ClientPart | undefined =>
  part && typeof part === 'object' ? (part as { [CLIENT_PART]?: ClientPart })[CLIENT_PART] : undefined;
