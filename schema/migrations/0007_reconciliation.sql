CREATE TABLE `customer_credits` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`entry_id` text NOT NULL,
	`bank_transaction_id` text,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`reason` text NOT NULL,
	`booked_at` text NOT NULL,
	`reversed_at` text,
	`reversed_by_entry_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`entry_id`) REFERENCES `reconciliation_entries`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`bank_transaction_id`) REFERENCES `bank_transactions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `customer_credits_customer` ON `customer_credits` (`merchant_id`,`customer_id`);--> statement-breakpoint
CREATE INDEX `customer_credits_transaction` ON `customer_credits` (`merchant_id`,`bank_transaction_id`);--> statement-breakpoint
CREATE TABLE `payment_allocations` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`entry_id` text NOT NULL,
	`bank_transaction_id` text NOT NULL,
	`invoice_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`rule` text NOT NULL,
	`payment_date` text,
	`collection_item_id` text,
	`booked_at` text NOT NULL,
	`reversed_at` text,
	`reversed_by_entry_id` text,
	`reversal` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`entry_id`) REFERENCES `reconciliation_entries`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`bank_transaction_id`) REFERENCES `bank_transactions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "payment_allocations_amount" CHECK(amount > 0)
);
--> statement-breakpoint
CREATE INDEX `payment_allocations_invoice` ON `payment_allocations` (`merchant_id`,`invoice_id`);--> statement-breakpoint
CREATE INDEX `payment_allocations_transaction` ON `payment_allocations` (`merchant_id`,`bank_transaction_id`);--> statement-breakpoint
CREATE INDEX `payment_allocations_item` ON `payment_allocations` (`collection_item_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `payment_allocations_active` ON `payment_allocations` (`bank_transaction_id`,`invoice_id`) WHERE reversed_at IS NULL;--> statement-breakpoint
CREATE TABLE `payment_returns` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`entry_id` text NOT NULL,
	`bank_transaction_id` text NOT NULL,
	`invoice_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`collection_item_id` text,
	`allocation_id` text,
	`amount` integer NOT NULL,
	`fee` integer NOT NULL,
	`currency` text NOT NULL,
	`reason_code` text,
	`reason_class` text,
	`mandate_effect` text NOT NULL,
	`linked_via` text NOT NULL,
	`return_date` text,
	`booked_at` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`entry_id`) REFERENCES `reconciliation_entries`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`bank_transaction_id`) REFERENCES `bank_transactions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `payment_returns_invoice` ON `payment_returns` (`merchant_id`,`invoice_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `payment_returns_transaction` ON `payment_returns` (`bank_transaction_id`);--> statement-breakpoint
CREATE TABLE `reconciliation_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`bank_transaction_id` text NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`rule` text,
	`reason` text,
	`candidates` text,
	`ignored_amount` integer,
	`source` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`bank_transaction_id`) REFERENCES `bank_transactions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reconciliation_entries_seq` ON `reconciliation_entries` (`bank_transaction_id`,`seq`);--> statement-breakpoint
CREATE INDEX `reconciliation_entries_merchant` ON `reconciliation_entries` (`merchant_id`,`bank_transaction_id`);