-- tdip PostgreSQL schema, migration 6: retained traffic data (docs/traffic-format.md), the
-- same meaning as the SQLite backend's traffic tables. Released migrations are never
-- edited; add a new one.
--
-- `traffic_row` is range-partitioned by UTC day (days since 1970-01-01): one partition per
-- day, `traffic_row_d20394` (`traffic_row_dm5` for day -5), created by
-- `tdip_traffic_day` when a batch first writes to that day, so retention drops a day
-- whole. The parent has no index or key of its own: each partition gets its unique key
-- and its user index from `tdip_traffic_day`, which lets a day partition also be a
-- `postgres_fdw` foreign table on another server (PostgreSQL refuses to attach a foreign
-- table under a parent with unique indexes); see docs/scaling.md.

-- The batch log: every batch, accepted or rejected; rows name their batch by `seq`. The
-- store assigns `seq` (the next after the largest) under the traffic write lock, as the
-- SQLite backend does, so a batch knows its number before it commits.
CREATE TABLE traffic_batch (
    seq bigint PRIMARY KEY,
    provider text COLLATE "C" NOT NULL REFERENCES provider(id),
    batch_id text COLLATE "C" NOT NULL,
    kind smallint NOT NULL CHECK (kind IN (1, 2)),
    received_at bigint NOT NULL,
    records bigint NOT NULL,
    closed bigint NOT NULL,
    opened bigint NOT NULL,
    ended bigint NOT NULL,
    errors bigint NOT NULL,
    first_at bigint NOT NULL,
    last_at bigint NOT NULL,
    checksum bytea NOT NULL CHECK (octet_length(checksum) = 32),
    outcome text NOT NULL CHECK (outcome IN ('accepted', 'rejected'))
);
-- A provider's batch id is accepted once; rejected attempts may repeat it.
CREATE UNIQUE INDEX traffic_batch_accepted ON traffic_batch (provider, batch_id)
    WHERE outcome = 'accepted';
CREATE INDEX traffic_batch_by_provider ON traffic_batch (provider, seq);

-- The day partitions that hold rows, per kind: their row count and the largest port block
-- stored (a lookup of a port probes first ports from port - (max_block - 1) to port).
-- Maintained by a batch's commit and by the drop of a day.
CREATE TABLE traffic_day (
    day integer NOT NULL,
    kind smallint NOT NULL CHECK (kind IN (1, 2)),
    rows bigint NOT NULL,
    max_block integer NOT NULL CHECK (max_block BETWEEN 1 AND 65536),
    PRIMARY KEY (day, kind)
);

-- Closed records, one copy in each UTC day they cover (`key` is that day's address index).
CREATE TABLE traffic_row (
    day integer NOT NULL,
    kind smallint NOT NULL CHECK (kind IN (1, 2)),
    key bytea NOT NULL,
    first_port integer NOT NULL,
    start bigint NOT NULL,
    batch bigint NOT NULL,
    last_port integer NOT NULL,
    end_at bigint NOT NULL,
    family smallint NOT NULL,
    len smallint NOT NULL,
    user_key bytea,
    sealed bytea NOT NULL,
    CHECK (last_port >= first_port)
) PARTITION BY RANGE (day);

-- The name of the partition of day `d`.
CREATE FUNCTION tdip_traffic_day_name(d integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT CASE WHEN d < 0 THEN 'traffic_row_dm' || (-d::bigint)::text
                ELSE 'traffic_row_d' || d::text END
$$;

-- Creates the partition of day `d` unless it exists. The table is made on its own, with
-- the partition constraint as a CHECK, and then attached: ATTACH PARTITION takes only a
-- SHARE UPDATE EXCLUSIVE lock on `traffic_row` (CREATE TABLE ... PARTITION OF would take
-- an ACCESS EXCLUSIVE one and hold lookups up), and the CHECK spares it a scan.
CREATE FUNCTION tdip_traffic_day(d integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t text := tdip_traffic_day_name(d);
BEGIN
    IF d = 2147483647 THEN
        RAISE EXCEPTION 'day % is out of range', d;
    END IF;
    IF to_regclass(t) IS NOT NULL THEN
        RETURN;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE traffic_row INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
                        CONSTRAINT %I CHECK (day >= %s AND day < %s))',
                   t, t || '_day', d, d + 1);
    -- The key is the probe's order; last port and end ride along so that a probe never
    -- reads the heap for the rows it rejects.
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I UNIQUE (kind, key, first_port, start, batch)
                        INCLUDE (last_port, end_at)', t, t || '_key');
    EXECUTE format('CREATE INDEX %I ON %I (user_key, start) WHERE user_key IS NOT NULL',
                   t || '_by_user', t);
    EXECUTE format('ALTER TABLE traffic_row ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)',
                   t, d, d + 1);
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', t, t || '_day');
END;
$$;

-- Detaches and drops the partition of day `d` (a local table or a foreign table), if any.
CREATE FUNCTION tdip_traffic_drop_day(d integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t text := tdip_traffic_day_name(d);
    k "char";
BEGIN
    SELECT relkind INTO k FROM pg_class WHERE oid = to_regclass(t);
    IF k IS NULL THEN
        RETURN;
    END IF;
    EXECUTE format('ALTER TABLE traffic_row DETACH PARTITION %I', t);
    IF k = 'f' THEN
        EXECUTE format('DROP FOREIGN TABLE %I', t);
    ELSE
        EXECUTE format('DROP TABLE %I', t);
    END IF;
END;
$$;

-- Records still open (no end yet), by their address index without day.
CREATE TABLE traffic_open (
    kind smallint NOT NULL CHECK (kind IN (1, 2)),
    key bytea NOT NULL,
    first_port integer NOT NULL,
    start bigint NOT NULL,
    batch bigint NOT NULL,
    day integer NOT NULL,
    family smallint NOT NULL,
    len smallint NOT NULL,
    user_key bytea,
    last_port integer NOT NULL CHECK (last_port >= first_port),
    sealed bytea NOT NULL,
    PRIMARY KEY (kind, key, first_port, start)
);
CREATE INDEX traffic_open_by_user ON traffic_open (user_key, start) WHERE user_key IS NOT NULL;

-- The (family, prefix length) pairs of session addresses: per day partition (`open`
-- false), dropped with the day, and for the open set (`open` true, `day` 0), kept.
CREATE TABLE traffic_prefix_len (
    open boolean NOT NULL,
    day integer NOT NULL,
    family smallint NOT NULL CHECK (family IN (4, 6)),
    len smallint NOT NULL,
    PRIMARY KEY (open, day, family, len)
);
