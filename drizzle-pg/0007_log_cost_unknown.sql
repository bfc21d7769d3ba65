-- Log rows say when a cost could not be counted (a model nobody prices): cost_usd 0 then means unknown, not free.
ALTER TABLE "request_logs" ADD COLUMN "cost_unknown" boolean DEFAULT false NOT NULL;