ALTER TABLE `request_logs` ADD `provider_cost_usd` real;--> statement-breakpoint
ALTER TABLE `request_logs` ADD `computed_cost_usd` real;