CREATE INDEX "request_logs_endpoint_created_idx" ON "request_logs" USING btree ("endpoint","created_at");--> statement-breakpoint
CREATE INDEX "usage_client_daily_client_idx" ON "usage_client_daily" USING btree ("client_id","day");--> statement-breakpoint
CREATE INDEX "usage_client_hourly_client_idx" ON "usage_client_hourly" USING btree ("client_id","hour");--> statement-breakpoint
CREATE INDEX "usage_team_daily_team_idx" ON "usage_team_daily" USING btree ("team_id","day");