ALTER TABLE "request_logs" ADD COLUMN "provider_cost_usd" double precision;--> statement-breakpoint
ALTER TABLE "request_logs" ADD COLUMN "computed_cost_usd" double precision;