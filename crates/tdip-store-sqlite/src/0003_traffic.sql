-- tdip SQLite schema, migration 3: retained traffic data (docs/traffic-format.md).
-- Released migrations are never edited; add a new one. The rows of each UTC day live in
-- their own table, `traffic_d<day>` (`traffic_dm<n>` before 1970), created by the first
-- batch that writes to that day (see traffic_tx.rs), so retention drops a day whole.

-- The batch log: every batch, accepted or rejected; rows name their batch by `seq`.
CREATE TABLE traffic_batch (
    seq INTEGER PRIMARY KEY,
    provider TEXT NOT NULL REFERENCES provider(id),
    batch_id TEXT NOT NULL,
    kind INTEGER NOT NULL CHECK (kind IN (1, 2)),
    received_at INTEGER NOT NULL,
    records INTEGER NOT NULL,
    closed INTEGER NOT NULL,
    opened INTEGER NOT NULL,
    ended INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    first_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    checksum BLOB NOT NULL CHECK (length(checksum) = 32),
    outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'rejected'))
) STRICT;
-- A provider's batch id is accepted once; rejected attempts may repeat it.
CREATE UNIQUE INDEX traffic_batch_accepted ON traffic_batch(provider, batch_id)
    WHERE outcome = 'accepted';
CREATE INDEX traffic_batch_by_provider ON traffic_batch(provider, seq);

-- The day partitions that exist, per kind: their row count and the largest port block
-- stored (a lookup of a port probes first ports from port - (max_block - 1) to port).
CREATE TABLE traffic_day (
    day INTEGER NOT NULL,
    kind INTEGER NOT NULL CHECK (kind IN (1, 2)),
    rows INTEGER NOT NULL,
    max_block INTEGER NOT NULL CHECK (max_block BETWEEN 1 AND 65536),
    PRIMARY KEY (day, kind)
) STRICT, WITHOUT ROWID;

-- Records still open (no end yet), by their address index without day.
CREATE TABLE traffic_open (
    kind INTEGER NOT NULL CHECK (kind IN (1, 2)),
    key BLOB NOT NULL,
    first_port INTEGER NOT NULL,
    start INTEGER NOT NULL,
    batch INTEGER NOT NULL,
    day INTEGER NOT NULL,
    family INTEGER NOT NULL,
    len INTEGER NOT NULL,
    user BLOB,
    last_port INTEGER NOT NULL CHECK (last_port >= first_port),
    sealed BLOB NOT NULL,
    PRIMARY KEY (kind, key, first_port, start)
) STRICT, WITHOUT ROWID;
CREATE INDEX traffic_open_by_user ON traffic_open(user, start) WHERE user IS NOT NULL;

-- The (family, prefix length) pairs of session addresses: per day partition (`open` 0),
-- dropped with the day, and for the open set (`open` 1, `day` 0), kept.
CREATE TABLE traffic_prefix_len (
    open INTEGER NOT NULL CHECK (open IN (0, 1)),
    day INTEGER NOT NULL,
    family INTEGER NOT NULL CHECK (family IN (4, 6)),
    len INTEGER NOT NULL,
    PRIMARY KEY (open, day, family, len)
) STRICT, WITHOUT ROWID;
