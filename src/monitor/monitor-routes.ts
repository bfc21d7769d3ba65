import { Elysia } from 'elysia';
import { enforceAccess } from '../auth/access-policy';
import { authenticateRequest, forgetRequestAuth, prepareRequestAuth, type AuthDeps } from '../auth/authenticate';
import { isPgDb } from '../db/pg-translate';
import { ApiError, forbidden } from '../errors/api-error';
import { requestHost } from '../http/same-origin';
import { MONITOR_TOPIC, type BunMonitorHub } from './monitor-hub';
import { MonitorSocketCaps, tooManySockets } from './monitor-socket-caps';
import { SocketMessageBudget } from './socket-message-budget';

/** Largest message a monitor client may send (it needs to send none: the socket only sends). */
export const MAX_MONITOR_MESSAGE_BYTES = 4096;

/**
 * Bun's WebSocket settings (one set per server: the monitor is its only WebSocket). A monitor
 * client that stops reading (a frozen tab, a stalled link) would otherwise have up to Bun's
 * default of 16 MiB of events buffered for it, per socket, and then miss events silently; past
 * 1 MiB (some 1,500 events behind) it is closed instead, and the dashboard reconnects and
 * starts again from the newest rows. A message the client sends is held whole before the
 * handler sees it: past MAX_MONITOR_MESSAGE_BYTES (Bun's default is 16 MiB) the socket is
 * closed with 1009 instead.
 */
export const MONITOR_WEBSOCKET = { backpressureLimit: 1024 * 1024, closeOnBackpressureLimit: true, maxPayloadLength: MAX_MONITOR_MESSAGE_BYTES };

/**
 * Refuses cross-site WebSocket hijacking: a browser always sends Origin on a WebSocket
 * handshake, and it must be this gateway's own host. (Non-browser clients send none.)
 */
function checkOrigin(request: Request): void {
  const origin = request.headers.get('origin');
  if (!origin) return;
  let host: string;
  try {
    host = new URL(origin).host.toLowerCase();
  } catch {
    throw forbidden('Bad Origin header.');
  }
  if (host !== requestHost(request)) throw forbidden('Cross-site WebSocket connections are refused.');
}

/**
 * Whether a monitor socket's session still lives. While the store (PostgreSQL) is unreachable
 * that cannot be told: the socket stays open (the feed does not need the store) rather than
 * being closed as "session ended", which sends the page to the sign-in form.
 */
function stillSignedIn(deps: AuthDeps, request: Request): boolean {
  try {
    return authenticateRequest(deps, request) !== null;
  } catch (err) {
    if (err instanceof ApiError && err.code === 'store_unavailable') return true;
    throw err;
  }
}

/**
 * GET /api/monitor/ws: live request stream for any signed-in user (viewer or admin). Messages
 * are JSON `{type:'request', data:{...}}` (see MonitorEvent), never bodies or keys.
 */
export function monitorRoutes(deps: AuthDeps & { monitor: BunMonitorHub }) {
  const hub = deps.monitor;
  const caps = new MonitorSocketCaps();
  const messages = new SocketMessageBudget();
  return new Elysia({ name: 'monitor-routes' })
    .ws('/api/monitor/ws', {
      beforeHandle({ request }) {
        checkOrigin(request);
        const auth = enforceAccess(deps, request, { role: 'viewer' });
        const full = caps.full(auth.session.id, String(auth.user.id));
        if (full) throw tooManySockets(full);
      },
      open(ws) {
        const request = ws.data.request;
        // Checked again here: upgrades that passed beforeHandle together may overshoot.
        const auth = authenticateRequest(deps, request);
        if (!auth || !caps.add(ws.raw, auth.session.id, String(auth.user.id))) {
          ws.close(4429, 'Too many monitor connections for this session or user.');
          return;
        }
        ws.subscribe(MONITOR_TOPIC);
        hub.track(ws.raw, () => {
          forgetRequestAuth(request);
          if (!isPgDb(deps.db)) return authenticateRequest(deps, request) !== null;
          // PostgreSQL: read the session row (awaited) before the synchronous check.
          return prepareRequestAuth(deps, request).then(() => stillSignedIn(deps, request));
        });
        ws.send(JSON.stringify({ type: 'hello', data: { topic: MONITOR_TOPIC } }));
      },
      // The monitor only sends: a client's messages are ignored, a flood of them ends its socket.
      message(ws) {
        if (!messages.spend(ws.raw)) ws.close(1008, 'Too many messages: the monitor socket takes none.');
      },
      close(ws) {
        messages.forget(ws.raw);
        caps.remove(ws.raw);
        hub.untrack(ws.raw);
      },
      // Hidden from the generator (a 'ws' method would make the document invalid): monitor-openapi.ts documents it as the GET it is.
      detail: { hide: true },
    })
    // The same path without the upgrade (a browser tab, Swagger UI's "Try it out"): say what it is, not 404.
    .get('/api/monitor/ws', ({ request }) => {
      enforceAccess(deps, request, { role: 'viewer' });
      throw new ApiError({
        status: 426,
        message: 'This is a WebSocket: connect with a WebSocket client (ws:// or wss://, headers Upgrade: websocket and Connection: Upgrade).',
        code: 'upgrade_required',
        headers: { upgrade: 'websocket', connection: 'Upgrade' },
      });
    }, { detail: { hide: true } })
    .onStart(({ server }) => {
      if (server) hub.attach(server);
    })
    .onStop(() => hub.detach());
}
