CREATE INDEX `bank_transactions_booking_order` ON `bank_transactions` (`merchant_id`,`status`,`booking_date`,`finapi_id`,`id`);--> statement-breakpoint
CREATE INDEX `sepa_mandates_iban` ON `sepa_mandates` (`merchant_id`,`iban_masked`);--> statement-breakpoint
CREATE INDEX `invoices_merchant` ON `invoices` (`merchant_id`,`id`);