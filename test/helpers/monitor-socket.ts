import type { Session } from './admin-harness';
import type { TestGateway } from './start-gateway';

/** A signed-in monitor socket, open; `events` collects the `data` of each request message. */
export async function openMonitor(gw: TestGateway, as: Session): Promise<{ events: any[]; close(): void }> {
  const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/api/monitor/ws`, { headers: { cookie: as.cookie, origin: gw.url } } as any);
  const events: any[] = [];
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data));
    if (m.type === 'request') events.push(m.data);
  };
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onclose = (e) => reject(new Error(`monitor socket closed ${e.code}`));
  });
  return { events, close: () => ws.close() };
}
