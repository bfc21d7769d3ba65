import type { Server } from 'bun';
import { fixtureSse } from './helpers';

export interface SeenRequest {
  method: string;
  path: string;
  search: string;
  headers: Record<string, string>;
  body: any;
}

export type Reply = { json: unknown; status?: number } | { sse: string } | { raw: string; status: number };

/**
 * A fake Gemini API on 127.0.0.1: records what the gateway sent and answers from a queue of
 * replies (recorded fixtures). It also serves a small PNG under /img/ for the remote-image tests.
 */
export class FakeGemini {
  readonly requests: SeenRequest[] = [];
  readonly imageHits: string[] = [];
  private replies: Reply[] = [];
  private server: Server<unknown>;
  static readonly PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);

  constructor() {
    this.server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (req) => this.handle(req) });
  }

  get url(): string {
    return `http://127.0.0.1:${this.server.port}`;
  }

  reply(...r: Reply[]): this {
    this.replies.push(...r);
    return this;
  }

  replySse(fixture: string): this {
    return this.reply({ sse: fixtureSse(fixture) });
  }

  last(): SeenRequest {
    return this.requests.at(-1)!;
  }

  close(): void {
    this.server.stop(true);
  }

  private async handle(req: Request): Promise<Response> {
    const u = new URL(req.url);
    if (u.pathname.startsWith('/img/')) {
      this.imageHits.push(u.pathname);
      return new Response(FakeGemini.PNG, { headers: { 'content-type': 'image/png' } });
    }
    const text = await req.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {}
    this.requests.push({ method: req.method, path: u.pathname, search: u.search, headers: Object.fromEntries(req.headers), body });
    const r = this.replies.shift();
    if (!r) return Response.json({ error: { code: 500, message: 'fake: no reply queued', status: 'INTERNAL' } }, { status: 500 });
    if ('sse' in r) {
      // Real Gemini streams in several TCP writes; send event by event.
      const events = r.sse.split(/(?<=\r\n\r\n)/);
      const stream = new ReadableStream<Uint8Array>({
        async pull(c) {
          const e = events.shift();
          if (e === undefined) return c.close();
          c.enqueue(new TextEncoder().encode(e));
          await Bun.sleep(1);
        },
      });
      return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
    }
    if ('raw' in r) return new Response(r.raw, { status: r.status });
    return Response.json(r.json, { status: r.status ?? 200 });
  }
}
