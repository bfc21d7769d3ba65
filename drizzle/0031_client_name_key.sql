ALTER TABLE `clients` ADD `name_key` text;--> statement-breakpoint
CREATE INDEX `clients_name_key_idx` ON `clients` (`name_key`);