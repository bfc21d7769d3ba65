-- Log rows keep what the upstream said it billed (xAI's cost_in_usd_ticks; cost_usd is then that figure) beside the price table's figure.
ALTER TABLE "request_logs" ADD COLUMN "provider_cost_usd" double precision;--> statement-breakpoint
ALTER TABLE "request_logs" ADD COLUMN "computed_cost_usd" double precision;