ALTER TABLE `bank_transactions` ADD `counterpart_iban_ciphertext` text;--> statement-breakpoint
ALTER TABLE `bank_transactions` ADD `counterpart_iban_masked` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `iban_ciphertext` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `iban_masked` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `iban_hash` text;--> statement-breakpoint
CREATE INDEX `customers_iban_hash` ON `customers` (`merchant_id`,`iban_hash`);