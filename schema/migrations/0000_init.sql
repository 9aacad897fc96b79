CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`key_hash` text NOT NULL,
	`key_prefix` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`revoked_at` text,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE TABLE `articles` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`unit_amount` integer NOT NULL,
	`currency` text NOT NULL,
	`tax_rate` integer NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `articles_merchant` ON `articles` (`merchant_id`,`id`);--> statement-breakpoint
CREATE TABLE `carried_lines` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`contract_id` text NOT NULL,
	`change_id` text NOT NULL,
	`description` text NOT NULL,
	`article_id` text,
	`item_id` text,
	`quantity` integer NOT NULL,
	`period_start` text,
	`period_end` text,
	`net_amount` integer NOT NULL,
	`tax_rate` integer NOT NULL,
	`invoice_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`contract_id`) REFERENCES `contracts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`change_id`) REFERENCES `contract_changes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `carried_lines_contract` ON `carried_lines` (`contract_id`,`invoice_id`);--> statement-breakpoint
CREATE TABLE `contract_changes` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`contract_id` text NOT NULL,
	`type` text NOT NULL,
	`request` text NOT NULL,
	`effective_date` text NOT NULL,
	`status` text NOT NULL,
	`kind` text NOT NULL,
	`settlement` text NOT NULL,
	`source` text NOT NULL,
	`invoice_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`applied_at` text,
	`cancelled_at` text,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`contract_id`) REFERENCES `contracts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `contract_changes_contract` ON `contract_changes` (`contract_id`,`status`);--> statement-breakpoint
CREATE INDEX `contract_changes_due` ON `contract_changes` (`status`,`effective_date`);--> statement-breakpoint
CREATE TABLE `contract_items` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`contract_id` text NOT NULL,
	`article_id` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`quantity` integer NOT NULL,
	`unit_amount` integer NOT NULL,
	`tax_rate` integer NOT NULL,
	`billed_period_amount` integer NOT NULL,
	`billed_period_start` text NOT NULL,
	`started_on` text NOT NULL,
	`ended_on` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`contract_id`) REFERENCES `contracts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `contract_items_contract` ON `contract_items` (`contract_id`,`ended_on`);--> statement-breakpoint
CREATE TABLE `contract_templates` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`template_group_id` text NOT NULL,
	`name` text NOT NULL,
	`plan_article_id` text NOT NULL,
	`billing_interval` text NOT NULL,
	`minimum_term_months` integer DEFAULT 0 NOT NULL,
	`notice_period_days` integer DEFAULT 0 NOT NULL,
	`allowed_addon_article_ids` text NOT NULL,
	`change_points` text NOT NULL,
	`downgrade_timing` text DEFAULT 'next_period' NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`template_group_id`) REFERENCES `template_groups`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`plan_article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `contract_templates_merchant` ON `contract_templates` (`merchant_id`,`id`);--> statement-breakpoint
CREATE INDEX `contract_templates_group` ON `contract_templates` (`template_group_id`);--> statement-breakpoint
CREATE TABLE `contracts` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`template_id` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`start_date` text NOT NULL,
	`billing_anchor` text NOT NULL,
	`billing_interval` text NOT NULL,
	`current_period_start` text NOT NULL,
	`current_period_end` text NOT NULL,
	`end_date` text,
	`cancelled_at` text,
	`offered_template_ids` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`last_write_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`template_id`) REFERENCES `contract_templates`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `contracts_merchant` ON `contracts` (`merchant_id`,`id`);--> statement-breakpoint
CREATE INDEX `contracts_customer` ON `contracts` (`merchant_id`,`customer_id`);--> statement-breakpoint
CREATE INDEX `contracts_due` ON `contracts` (`current_period_end`,`id`);--> statement-breakpoint
CREATE TABLE `customers` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`name` text NOT NULL,
	`email` text,
	`external_ref` text,
	`locale` text DEFAULT 'de' NOT NULL,
	`iban` text,
	`mandate_reference` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `customers_merchant` ON `customers` (`merchant_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `customers_external_ref` ON `customers` (`merchant_id`,`external_ref`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`merchant_id` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`status` text NOT NULL,
	`response_status` integer,
	`response_body` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`expires_at` text NOT NULL,
	PRIMARY KEY(`merchant_id`, `key`)
);
--> statement-breakpoint
CREATE TABLE `invoice_lines` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`invoice_id` text NOT NULL,
	`position` integer NOT NULL,
	`description` text NOT NULL,
	`article_id` text,
	`item_id` text,
	`quantity` integer NOT NULL,
	`unit_amount` integer,
	`period_start` text,
	`period_end` text,
	`net_amount` integer NOT NULL,
	`tax_rate` integer NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `invoice_lines_invoice` ON `invoice_lines` (`invoice_id`,`position`);--> statement-breakpoint
CREATE TABLE `invoice_number_series` (
	`merchant_id` text NOT NULL,
	`series` text NOT NULL,
	`last_number` integer NOT NULL,
	PRIMARY KEY(`merchant_id`, `series`),
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `invoices` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`contract_id` text,
	`customer_id` text NOT NULL,
	`kind` text NOT NULL,
	`number` text NOT NULL,
	`status` text NOT NULL,
	`issue_date` text NOT NULL,
	`due_date` text NOT NULL,
	`currency` text NOT NULL,
	`net_amount` integer NOT NULL,
	`tax_amount` integer NOT NULL,
	`gross_amount` integer NOT NULL,
	`amount_paid` integer DEFAULT 0 NOT NULL,
	`payment_reference` text NOT NULL,
	`period_start` text,
	`period_end` text,
	`original_invoice_id` text,
	`change_id` text,
	`billing_key` text NOT NULL,
	`tax_breakdown` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`contract_id`) REFERENCES `contracts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_number` ON `invoices` (`merchant_id`,`number`);--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_billing_key` ON `invoices` (`merchant_id`,`billing_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_payment_reference` ON `invoices` (`merchant_id`,`payment_reference`);--> statement-breakpoint
CREATE INDEX `invoices_contract` ON `invoices` (`merchant_id`,`contract_id`);--> statement-breakpoint
CREATE INDEX `invoices_status` ON `invoices` (`merchant_id`,`status`);--> statement-breakpoint
CREATE TABLE `merchants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`time_zone` text DEFAULT 'Europe/Berlin' NOT NULL,
	`payment_term_days` integer DEFAULT 14 NOT NULL,
	`portal_enabled` integer DEFAULT true NOT NULL,
	`allowed_actions` text NOT NULL,
	`proration_mode` text DEFAULT 'interim_invoice' NOT NULL,
	`allowed_origins` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `template_groups` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`name` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `template_groups_merchant` ON `template_groups` (`merchant_id`,`id`);