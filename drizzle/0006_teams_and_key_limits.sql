CREATE TABLE `teams` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`models` text,
	`budget_usd` real,
	`budget_period` text DEFAULT 'month' NOT NULL,
	`rpm` integer,
	`tpm` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `teams_name_unique` ON `teams` (`name`);--> statement-breakpoint
ALTER TABLE `clients` ADD `team_id` integer;--> statement-breakpoint
ALTER TABLE `clients` ADD `models` text;--> statement-breakpoint
ALTER TABLE `clients` ADD `budget_usd` real;--> statement-breakpoint
ALTER TABLE `clients` ADD `budget_period` text DEFAULT 'month' NOT NULL;--> statement-breakpoint
ALTER TABLE `clients` ADD `rpm` integer;--> statement-breakpoint
ALTER TABLE `clients` ADD `tpm` integer;--> statement-breakpoint
ALTER TABLE `clients` ADD `max_parallel` integer;--> statement-breakpoint
ALTER TABLE `clients` ADD `expires_at` integer;