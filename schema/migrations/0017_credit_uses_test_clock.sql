CREATE TABLE `credit_refunds` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`iban_masked` text,
	`reference` text,
	`refunded_at` text NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "credit_refunds_amount" CHECK(amount > 0)
);
--> statement-breakpoint
CREATE INDEX `credit_refunds_customer` ON `credit_refunds` (`merchant_id`,`customer_id`);--> statement-breakpoint
CREATE TABLE `credit_uses` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`credit_id` text NOT NULL,
	`kind` text NOT NULL,
	`invoice_id` text,
	`refund_id` text,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`batch_id` text NOT NULL,
	`used_at` text NOT NULL,
	`reversed_at` text,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`credit_id`) REFERENCES `customer_credits`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "credit_uses_amount" CHECK(amount > 0)
);
--> statement-breakpoint
CREATE INDEX `credit_uses_credit` ON `credit_uses` (`credit_id`);--> statement-breakpoint
CREATE INDEX `credit_uses_invoice` ON `credit_uses` (`invoice_id`);--> statement-breakpoint
CREATE INDEX `credit_uses_customer` ON `credit_uses` (`merchant_id`,`customer_id`);--> statement-breakpoint
CREATE INDEX `credit_uses_batch` ON `credit_uses` (`batch_id`);--> statement-breakpoint
ALTER TABLE `merchants` ADD `mode` text DEFAULT 'live' NOT NULL;--> statement-breakpoint
ALTER TABLE `merchants` ADD `test_clock_at` text;--> statement-breakpoint
ALTER TABLE `merchants` ADD `test_clock_target` text;