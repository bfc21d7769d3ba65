CREATE TABLE `usage_team_full_daily` (
	`day` integer NOT NULL,
	`team_id` integer DEFAULT 0 NOT NULL,
	`provider` text DEFAULT '' NOT NULL,
	`model` text DEFAULT '' NOT NULL,
	`client_id` integer DEFAULT 0 NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`prompt_tokens` integer DEFAULT 0 NOT NULL,
	`cached_tokens` integer DEFAULT 0 NOT NULL,
	`completion_tokens` integer DEFAULT 0 NOT NULL,
	`reasoning_tokens` integer DEFAULT 0 NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`latency_ms_sum` real DEFAULT 0 NOT NULL,
	`overhead_ms_sum` real DEFAULT 0 NOT NULL,
	`cache_write_tokens` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`day`, `team_id`, `provider`, `model`, `client_id`)
);
--> statement-breakpoint
CREATE TABLE `usage_team_full_hourly` (
	`hour` integer NOT NULL,
	`team_id` integer DEFAULT 0 NOT NULL,
	`provider` text DEFAULT '' NOT NULL,
	`model` text DEFAULT '' NOT NULL,
	`client_id` integer DEFAULT 0 NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`prompt_tokens` integer DEFAULT 0 NOT NULL,
	`cached_tokens` integer DEFAULT 0 NOT NULL,
	`completion_tokens` integer DEFAULT 0 NOT NULL,
	`reasoning_tokens` integer DEFAULT 0 NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`latency_ms_sum` real DEFAULT 0 NOT NULL,
	`overhead_ms_sum` real DEFAULT 0 NOT NULL,
	`cache_write_tokens` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`hour`, `team_id`, `provider`, `model`, `client_id`)
);
--> statement-breakpoint
-- Backfill. The hours the raw log still holds whole (from the hour after its oldest row's) are
-- summed from request_logs by the team on each row, by the log writer's rules (rollup-batch.ts: a
-- classifier call's tokens and cost count, its request, error and latency do not). Older hours,
-- whose raw rows retention may have removed, come from usage_hourly by the team each key is in
-- now (as 0013 filled usage_team_daily).
INSERT INTO usage_team_full_hourly (hour, team_id, provider, model, client_id, requests, errors, prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, cost_usd, latency_ms_sum, overhead_ms_sum, cache_write_tokens)
SELECT (created_at / 3600000) * 3600000, coalesce(team_id, 0), coalesce(provider, ''), coalesce(model, model_requested, ''), coalesce(client_id, 0),
  sum(CASE WHEN endpoint = 'classifier' THEN 0 ELSE 1 END),
  sum(CASE WHEN endpoint <> 'classifier' AND (status >= 400 OR error_type IS NOT NULL) THEN 1 ELSE 0 END),
  sum(prompt_tokens), sum(cached_tokens), sum(completion_tokens), sum(reasoning_tokens), sum(cost_usd),
  sum(CASE WHEN endpoint = 'classifier' THEN 0 ELSE latency_ms END), sum(CASE WHEN endpoint = 'classifier' THEN 0 ELSE overhead_ms END),
  sum(cache_write_tokens)
FROM request_logs
WHERE created_at >= (SELECT (min(created_at) / 3600000 + 1) * 3600000 FROM request_logs)
GROUP BY 1, 2, 3, 4, 5;
--> statement-breakpoint
INSERT INTO usage_team_full_hourly (hour, team_id, provider, model, client_id, requests, errors, prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, cost_usd, latency_ms_sum, overhead_ms_sum, cache_write_tokens)
SELECT h.hour, coalesce(c.team_id, 0), h.provider, h.model, h.client_id, h.requests, h.errors, h.prompt_tokens, h.cached_tokens,
  h.completion_tokens, h.reasoning_tokens, h.cost_usd, h.latency_ms_sum, h.overhead_ms_sum, h.cache_write_tokens
FROM usage_hourly h LEFT JOIN clients c ON c.id = h.client_id
WHERE h.hour < coalesce((SELECT (min(created_at) / 3600000 + 1) * 3600000 FROM request_logs), 9000000000000000);
--> statement-breakpoint
INSERT INTO usage_team_full_daily (day, team_id, provider, model, client_id, requests, errors, prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, cost_usd, latency_ms_sum, overhead_ms_sum, cache_write_tokens)
SELECT (hour / 86400000) * 86400000, team_id, provider, model, client_id, sum(requests), sum(errors), sum(prompt_tokens), sum(cached_tokens),
  sum(completion_tokens), sum(reasoning_tokens), sum(cost_usd), sum(latency_ms_sum), sum(overhead_ms_sum), sum(cache_write_tokens)
FROM usage_team_full_hourly GROUP BY 1, 2, 3, 4, 5;
