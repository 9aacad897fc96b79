CREATE TABLE `email_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`kind` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`data` text NOT NULL,
	`locale` text,
	`recipient` text,
	`subject` text,
	`text_body` text,
	`html_body` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text NOT NULL,
	`last_error` text,
	`sent_at` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `email_outbox_dedupe` ON `email_outbox` (`merchant_id`,`kind`,`dedupe_key`);--> statement-breakpoint
CREATE INDEX `email_outbox_due` ON `email_outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `email_outbox_customer` ON `email_outbox` (`merchant_id`,`customer_id`,`id`);--> statement-breakpoint
CREATE TABLE `email_settings` (
	`merchant_id` text PRIMARY KEY NOT NULL,
	`disabled_kinds` text NOT NULL,
	`updated_at` text,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `dunning_levels` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`invoice_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`level` text NOT NULL,
	`reached_on` text NOT NULL,
	`fee` integer NOT NULL,
	`open_amount` integer NOT NULL,
	`interest` integer NOT NULL,
	`flat_fee` integer NOT NULL,
	`total` integer NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dunning_levels_once` ON `dunning_levels` (`invoice_id`,`level`);--> statement-breakpoint
CREATE INDEX `dunning_levels_merchant` ON `dunning_levels` (`merchant_id`,`invoice_id`);--> statement-breakpoint
CREATE TABLE `dunning_settings` (
	`merchant_id` text PRIMARY KEY NOT NULL,
	`settings` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `bank_transactions_booking_order` ON `bank_transactions` (`merchant_id`,`status`,`booking_date`,`provider_sequence`,`id`);--> statement-breakpoint
CREATE INDEX `sepa_mandates_iban` ON `sepa_mandates` (`merchant_id`,`iban_masked`);--> statement-breakpoint
CREATE INDEX `invoices_merchant` ON `invoices` (`merchant_id`,`id`);