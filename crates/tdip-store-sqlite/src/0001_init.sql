-- tdip SQLite schema, migration 1. Released migrations are never edited; add a new one.
CREATE TABLE provider (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    zone TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE delivery (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL REFERENCES provider(id),
    received_at INTEGER NOT NULL,
    snapshot_at INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    opened INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    closed INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    checksum BLOB NOT NULL CHECK (length(checksum) = 32),
    outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'rejected'))
) STRICT;
CREATE INDEX delivery_by_provider ON delivery(provider, id);

-- One row per version of a subscription; sealed holds everything personal.
CREATE TABLE version (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL REFERENCES provider(id),
    sub_key BLOB NOT NULL CHECK (length(sub_key) = 16),
    opened_by INTEGER NOT NULL,
    valid_from INTEGER NOT NULL,
    seen_before INTEGER,
    valid_to INTEGER,
    last_seen INTEGER,
    sealed BLOB NOT NULL,
    CHECK (valid_to IS NULL OR valid_to > valid_from),
    CHECK ((valid_to IS NULL) = (last_seen IS NULL))
) STRICT;

-- Blind index -> version. The only way into subscriber data. The key is the first 64
-- bits of the blind index: compact and fast to compare, and a collision only adds a
-- candidate that the application discards after unsealing.
CREATE TABLE ident (
    bidx INTEGER NOT NULL,
    version_id INTEGER NOT NULL,
    PRIMARY KEY (bidx, version_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE ip_prefix_len (
    family INTEGER NOT NULL CHECK (family IN (4, 6)),
    len INTEGER NOT NULL,
    PRIMARY KEY (family, len)
) STRICT, WITHOUT ROWID;

-- The application's snapshot index of a provider's latest accepted delivery: part 0 is
-- a base, parts 1.. are deltas appended by later deliveries; each part in chunks.
CREATE TABLE snapshot_chunk (
    provider TEXT NOT NULL REFERENCES provider(id),
    part INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (provider, part, seq)
) STRICT, WITHOUT ROWID;
