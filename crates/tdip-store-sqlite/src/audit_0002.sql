-- tdip SQLite audit database, migration 2: entries of one kind read without a scan (the
-- deliveries a start compares with the store, the configuration the registry replays).
CREATE INDEX audit_entry_by_kind ON audit_entry(kind, seq);
