ALTER TABLE `webhook_deliveries` ADD `leased_until` text;--> statement-breakpoint
ALTER TABLE `webhook_deliveries` ADD `lease_id` text;--> statement-breakpoint
CREATE INDEX `webhook_deliveries_merchant_due` ON `webhook_deliveries` (`merchant_id`,`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_lease` ON `webhook_deliveries` (`lease_id`);--> statement-breakpoint
CREATE INDEX `customer_credits_entry` ON `customer_credits` (`entry_id`);--> statement-breakpoint
CREATE INDEX `payment_allocations_entry` ON `payment_allocations` (`entry_id`);--> statement-breakpoint
CREATE INDEX `payment_returns_entry` ON `payment_returns` (`entry_id`);--> statement-breakpoint
CREATE INDEX `invoices_customer` ON `invoices` (`merchant_id`,`customer_id`);--> statement-breakpoint
CREATE INDEX `invoices_open_amount` ON `invoices` (`merchant_id`,gross_amount - amount_paid) WHERE status IN ('open', 'partially_paid') AND kind <> 'credit_note' AND gross_amount > amount_paid;