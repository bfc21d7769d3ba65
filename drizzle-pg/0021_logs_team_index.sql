-- The Logs page's and /api/logs' team filter (team=): one team's rows, newest first, walk this index
-- instead of every row of the range.
CREATE INDEX "request_logs_team_created_idx" ON "request_logs" USING btree ("team_id","created_at");