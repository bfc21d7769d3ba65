CREATE TABLE "usage_team_daily" (
	"day" bigint NOT NULL,
	"team_id" bigint DEFAULT 0 NOT NULL,
	"requests" bigint DEFAULT 0 NOT NULL,
	"errors" bigint DEFAULT 0 NOT NULL,
	"prompt_tokens" bigint DEFAULT 0 NOT NULL,
	"cached_tokens" bigint DEFAULT 0 NOT NULL,
	"completion_tokens" bigint DEFAULT 0 NOT NULL,
	"reasoning_tokens" bigint DEFAULT 0 NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"latency_ms_sum" double precision DEFAULT 0 NOT NULL,
	"overhead_ms_sum" double precision DEFAULT 0 NOT NULL,
	"cache_write_tokens" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "usage_team_daily_day_team_id_pk" PRIMARY KEY("day","team_id")
);
--> statement-breakpoint
ALTER TABLE "request_logs" ADD COLUMN "team_id" bigint;--> statement-breakpoint
-- Rows written before this migration carry no team: their spend counts for the team each key is
-- in now (what team budgets read until this version), so a budget keeps its period's spend across
-- the upgrade. Rows from now on carry the team they were admitted under (request_logs.team_id).
INSERT INTO usage_team_daily (day, team_id, requests, errors, prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, cost_usd, latency_ms_sum, overhead_ms_sum, cache_write_tokens)
SELECT d.day, c.team_id, sum(d.requests), sum(d.errors), sum(d.prompt_tokens), sum(d.cached_tokens), sum(d.completion_tokens), sum(d.reasoning_tokens), sum(d.cost_usd), sum(d.latency_ms_sum), sum(d.overhead_ms_sum), sum(d.cache_write_tokens)
FROM usage_client_daily d JOIN clients c ON c.id = d.client_id
WHERE c.team_id IS NOT NULL
GROUP BY d.day, c.team_id;
