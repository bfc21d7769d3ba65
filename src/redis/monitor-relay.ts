import type { BunMonitorHub } from '../monitor/monitor-hub';
import type { RedisLink } from './redis-link';

export const MONITOR_CHANNEL = 'monitor';

/**
 * The live monitor across instances: each finished request's event (redacted where it was
 * served) goes to this instance's subscribers directly and to `<prefix>monitor`; every other
 * instance relays what it hears there to its own WebSocket subscribers, so the monitor on any
 * instance shows every instance's requests. Messages are `<origin>\n<event json>`; an instance
 * skips its own. While Redis is down each monitor shows its own instance's requests.
 */
export function relayMonitor(hub: BunMonitorHub, link: RedisLink): void {
  const mark = `${link.origin}\n`;
  hub.relay = (json) => link.publish(MONITOR_CHANNEL, mark + json);
  link.subscribe(MONITOR_CHANNEL, (message) => {
    if (message.startsWith(mark)) return;
    const nl = message.indexOf('\n');
    if (nl > 0) hub.deliver(message.slice(nl + 1));
  });
}
