ALTER TABLE `teams` ADD `name_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `teams_name_key_uq` ON `teams` (`name_key`);