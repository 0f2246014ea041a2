-- tdip PostgreSQL schema, migration 1. Released migrations are never edited; add a new one.
-- The same tables, columns and meaning as the SQLite backend's 0001_init.sql. Times are
-- UTC seconds (bigint); blobs are bytea. Text keys use the "C" collation so that they
-- sort by their bytes, as SQLite sorts them, whatever the database's default collation.
-- Every subscriber table carries `provider`, so the data can later be distributed (or
-- partitioned) by provider.

-- For the exclusion constraint on `version` (= on text and bytea inside a GiST index).
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE provider (
    id text COLLATE "C" PRIMARY KEY,
    name text NOT NULL,
    country text NOT NULL,
    zone text NOT NULL,
    created_at bigint NOT NULL
);

CREATE TABLE delivery (
    id bigint PRIMARY KEY,
    provider text COLLATE "C" NOT NULL REFERENCES provider(id),
    received_at bigint NOT NULL,
    snapshot_at bigint NOT NULL,
    rows bigint NOT NULL,
    opened bigint NOT NULL,
    changed bigint NOT NULL,
    closed bigint NOT NULL,
    errors bigint NOT NULL,
    checksum bytea NOT NULL CHECK (octet_length(checksum) = 32),
    outcome text NOT NULL CHECK (outcome IN ('accepted', 'rejected'))
);
CREATE INDEX delivery_by_provider ON delivery (provider, id);

-- One row per version of a subscription; sealed holds everything personal. PostgreSQL
-- itself refuses two versions of one subscription whose validity intervals
-- [valid_from, valid_to) overlap. The check is deferred to commit: a delivery opens the
-- new version of a changed subscription before it closes the old one.
CREATE TABLE version (
    id bigint PRIMARY KEY,
    provider text COLLATE "C" NOT NULL REFERENCES provider(id),
    sub_key bytea NOT NULL CHECK (octet_length(sub_key) = 16),
    opened_by bigint NOT NULL,
    valid_from bigint NOT NULL,
    seen_before bigint,
    valid_to bigint,
    last_seen bigint,
    sealed bytea NOT NULL,
    CHECK (valid_to IS NULL OR valid_to > valid_from),
    CHECK ((valid_to IS NULL) = (last_seen IS NULL)),
    -- The key is compared as a uuid (it is exactly 16 bytes): btree_gist's fixed-size
    -- uuid support is about four times faster to maintain than its bytea support. The
    -- provider is not part of the key: a subscription key is a MAC over the provider and
    -- its subscription id, so keys of two providers never coincide.
    CONSTRAINT version_no_overlap EXCLUDE USING gist (
        (encode(sub_key, 'hex')::uuid) WITH =,
        int8range(valid_from, valid_to) WITH &&
    ) DEFERRABLE INITIALLY DEFERRED
);
-- Sealed blobs are ciphertext: storing them uncompressed spares a futile attempt.
ALTER TABLE version ALTER COLUMN sealed SET STORAGE EXTERNAL;

-- Blind index -> version. The only way into subscriber data. The key is the first 64
-- bits of the blind index (big-endian, sign bit flipped, so it sorts as the bytes do): a
-- collision only adds a candidate that the application discards after unsealing.
CREATE TABLE ident (
    bidx bigint NOT NULL,
    version_id bigint NOT NULL,
    provider text COLLATE "C" NOT NULL,
    PRIMARY KEY (bidx, version_id)
);

CREATE TABLE ip_prefix_len (
    family smallint NOT NULL CHECK (family IN (4, 6)),
    len smallint NOT NULL,
    PRIMARY KEY (family, len)
);

-- The application's snapshot index of a provider's latest accepted delivery: part 0 is
-- a base, parts 1.. are deltas appended by later deliveries; each part in chunks.
CREATE TABLE snapshot_chunk (
    provider text COLLATE "C" NOT NULL REFERENCES provider(id),
    part bigint NOT NULL,
    seq bigint NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (provider, part, seq)
);
