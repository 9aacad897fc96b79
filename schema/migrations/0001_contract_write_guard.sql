-- Optimistic concurrency for contracts inside one D1 batch (D1 has no interactive transactions).
-- A writer first runs `UPDATE contracts SET version = version + 1, last_write_id = :writeId
-- WHERE id = :id AND version = :expected`, then inserts (:id, :writeId) into this view. If the
-- update did not apply because another writer got there first, the trigger aborts and D1 rolls
-- the whole batch back, so nothing is half-written.
CREATE VIEW `contract_write_guard` AS SELECT `id` AS `contract_id`, `last_write_id` AS `write_id` FROM `contracts`;
--> statement-breakpoint
CREATE TRIGGER `contract_write_guard_check` INSTEAD OF INSERT ON `contract_write_guard`
BEGIN
  SELECT RAISE(ABORT, 'contract_version_conflict')
  WHERE NOT EXISTS (SELECT 1 FROM `contracts` WHERE `id` = NEW.`contract_id` AND `last_write_id` = NEW.`write_id`);
END;
