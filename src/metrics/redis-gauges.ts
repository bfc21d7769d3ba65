import type { AppContext } from '../context';
import type { GaugeFamily } from './prometheus-text';

/** Redis link health at scrape time; nothing when Redis is not configured. */
export function redisGauges(ctx: Pick<AppContext, 'redis'>): GaugeFamily[] {
  if (!ctx.redis) return [];
  const s = ctx.redis.stats();
  return [
    { name: 'gophergate_redis_up', help: 'Redis reachable (1) or not (0).', type: 'gauge', samples: [{ value: s.up ? 1 : 0 }] },
    { name: 'gophergate_redis_reconnects_total', help: 'Redis connections made again after it was lost.', type: 'counter', samples: [{ value: s.reconnects }] },
    { name: 'gophergate_redis_commands_total', help: 'Redis commands sent (scripts, reads and writes; publishes apart).', type: 'counter', samples: [{ value: s.commands }] },
    { name: 'gophergate_redis_errors_total', help: 'Redis commands that failed (unreachable or an error reply).', type: 'counter', samples: [{ value: s.errors }] },
    { name: 'gophergate_redis_published_total', help: 'Messages published to shared Redis channels.', type: 'counter', samples: [{ value: s.published }] },
    { name: 'gophergate_redis_received_total', help: 'Messages received on shared Redis channels.', type: 'counter', samples: [{ value: s.received }] },
  ];
}
