-- tdip PostgreSQL schema, migration 5: entries of one kind read without a scan (the
-- deliveries a start compares with the store, the configuration the registry replays).
-- Released migrations are never edited; add a new one.
CREATE INDEX audit_entry_by_kind ON audit_entry (kind, seq);
