CREATE TABLE `usage_daily` (
	`day` integer NOT NULL,
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
	PRIMARY KEY(`day`, `provider`, `model`, `client_id`)
);
--> statement-breakpoint
CREATE TABLE `usage_client_daily` (
	`day` integer NOT NULL,
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
	PRIMARY KEY(`day`, `client_id`)
);
--> statement-breakpoint
CREATE TABLE `usage_client_hourly` (
	`hour` integer NOT NULL,
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
	PRIMARY KEY(`hour`, `client_id`)
);
--> statement-breakpoint
CREATE TABLE `usage_model_daily` (
	`day` integer NOT NULL,
	`provider` text DEFAULT '' NOT NULL,
	`model` text DEFAULT '' NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`prompt_tokens` integer DEFAULT 0 NOT NULL,
	`cached_tokens` integer DEFAULT 0 NOT NULL,
	`completion_tokens` integer DEFAULT 0 NOT NULL,
	`reasoning_tokens` integer DEFAULT 0 NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`latency_ms_sum` real DEFAULT 0 NOT NULL,
	`overhead_ms_sum` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`day`, `provider`, `model`)
);
--> statement-breakpoint
CREATE TABLE `usage_model_hourly` (
	`hour` integer NOT NULL,
	`provider` text DEFAULT '' NOT NULL,
	`model` text DEFAULT '' NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`prompt_tokens` integer DEFAULT 0 NOT NULL,
	`cached_tokens` integer DEFAULT 0 NOT NULL,
	`completion_tokens` integer DEFAULT 0 NOT NULL,
	`reasoning_tokens` integer DEFAULT 0 NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`latency_ms_sum` real DEFAULT 0 NOT NULL,
	`overhead_ms_sum` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`hour`, `provider`, `model`)
);
--> statement-breakpoint
-- Backfill (hand-written): the new rollups start from the hourly history, which outlives raw rows.
INSERT INTO `usage_daily` (day, provider, model, client_id, requests, errors, prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, cost_usd, latency_ms_sum, overhead_ms_sum)
SELECT (hour / 86400000) * 86400000, provider, model, client_id, sum(requests), sum(errors), sum(prompt_tokens), sum(cached_tokens), sum(completion_tokens), sum(reasoning_tokens), sum(cost_usd), sum(latency_ms_sum), sum(overhead_ms_sum)
FROM `usage_hourly` GROUP BY 1, 2, 3, 4;
--> statement-breakpoint
INSERT INTO `usage_model_hourly` (hour, provider, model, requests, errors, prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, cost_usd, latency_ms_sum, overhead_ms_sum)
SELECT hour, provider, model, sum(requests), sum(errors), sum(prompt_tokens), sum(cached_tokens), sum(completion_tokens), sum(reasoning_tokens), sum(cost_usd), sum(latency_ms_sum), sum(overhead_ms_sum)
FROM `usage_hourly` GROUP BY 1, 2, 3;
--> statement-breakpoint
INSERT INTO `usage_model_daily` (day, provider, model, requests, errors, prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, cost_usd, latency_ms_sum, overhead_ms_sum)
SELECT (hour / 86400000) * 86400000, provider, model, sum(requests), sum(errors), sum(prompt_tokens), sum(cached_tokens), sum(completion_tokens), sum(reasoning_tokens), sum(cost_usd), sum(latency_ms_sum), sum(overhead_ms_sum)
FROM `usage_hourly` GROUP BY 1, 2, 3;
--> statement-breakpoint
INSERT INTO `usage_client_hourly` (hour, client_id, requests, errors, prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, cost_usd, latency_ms_sum, overhead_ms_sum)
SELECT hour, client_id, sum(requests), sum(errors), sum(prompt_tokens), sum(cached_tokens), sum(completion_tokens), sum(reasoning_tokens), sum(cost_usd), sum(latency_ms_sum), sum(overhead_ms_sum)
FROM `usage_hourly` GROUP BY 1, 2;
--> statement-breakpoint
INSERT INTO `usage_client_daily` (day, client_id, requests, errors, prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, cost_usd, latency_ms_sum, overhead_ms_sum)
SELECT (hour / 86400000) * 86400000, client_id, sum(requests), sum(errors), sum(prompt_tokens), sum(cached_tokens), sum(completion_tokens), sum(reasoning_tokens), sum(cost_usd), sum(latency_ms_sum), sum(overhead_ms_sum)
FROM `usage_hourly` GROUP BY 1, 2;
