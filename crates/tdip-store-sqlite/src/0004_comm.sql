-- tdip SQLite schema, migration 4: communications and cell configurations (issue 19).
-- Released migrations are never edited; add a new one. The communications of each UTC
-- day live in two tables created by the first batch that writes to the day (comm.rs):
-- `comm_d<day>` (the sealed rows) and `comm_k<day>` (their index entries), `m<n>` for
-- day -n, so retention drops a day whole.

-- The batch log now holds every traffic kind (1 to 6). SQLite cannot change a CHECK in
-- place: the table is rebuilt with its rows and indexes.
CREATE TABLE traffic_batch_v4 (
    seq INTEGER PRIMARY KEY,
    provider TEXT NOT NULL REFERENCES provider(id),
    batch_id TEXT NOT NULL,
    kind INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 6),
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
INSERT INTO traffic_batch_v4 SELECT * FROM traffic_batch;
DROP TABLE traffic_batch;
ALTER TABLE traffic_batch_v4 RENAME TO traffic_batch;
CREATE UNIQUE INDEX traffic_batch_accepted ON traffic_batch(provider, batch_id)
    WHERE outcome = 'accepted';
CREATE INDEX traffic_batch_by_provider ON traffic_batch(provider, seq);

-- The days that hold communications: their row count and the longest interval stored
-- (end - start), so a lookup scans index entries from `from - max_span` to `to` only.
CREATE TABLE comm_day (
    day INTEGER PRIMARY KEY,
    rows INTEGER NOT NULL,
    max_span INTEGER NOT NULL CHECK (max_span >= 0)
) STRICT;

-- The runs of each day's index table: the index entries a batch wrote in one go, sorted
-- by key, so a batch appends to the B-tree; a lookup seeks each run of the day.
CREATE TABLE comm_run (
    day INTEGER NOT NULL,
    run INTEGER NOT NULL,
    PRIMARY KEY (day, run)
) STRICT, WITHOUT ROWID;

-- Cell configurations, in clear (network data) with the point's keyed MAC.
CREATE TABLE cell_config (
    provider TEXT NOT NULL REFERENCES provider(id),
    cell_id TEXT NOT NULL,
    valid_from INTEGER NOT NULL,
    batch INTEGER NOT NULL,
    latitude INTEGER,
    longitude INTEGER,
    config BLOB NOT NULL,
    mac BLOB NOT NULL CHECK (length(mac) = 16),
    CHECK ((latitude IS NULL) = (longitude IS NULL)),
    PRIMARY KEY (provider, cell_id, valid_from)
) STRICT, WITHOUT ROWID;
CREATE INDEX cell_config_by_place ON cell_config(latitude, longitude)
    WHERE latitude IS NOT NULL;
