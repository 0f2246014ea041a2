-- tdip PostgreSQL schema, migration 7: communications (fixed, mobile, internet) and cell
-- configurations, the same meaning as the SQLite backend's tables. Released migrations
-- are never edited; add a new one.
--
-- A communication is stored once per UTC day it covers: one row in `comm_row` and one
-- index entry per blind index of that day in `comm_key`. Both are range-partitioned by
-- UTC day like `traffic_row` (`comm_row_d20394`, `comm_key_d20394`; `..._dm5` for day
-- -5), created together by `tdip_comm_day` when a batch first writes a communication to
-- that day, and dropped together with the traffic day. Row counts per (day, kind) are
-- kept in `traffic_day` (kinds 3 to 5, `max_block` 1), so `traffic_days` and the drop of
-- a day count communications once each, whatever their number of index entries.

-- Batches and day counts of every kind: 1 port block, 2 session, 3 fixed, 4 mobile,
-- 5 internet, 6 cell.
ALTER TABLE traffic_batch DROP CONSTRAINT traffic_batch_kind_check;
ALTER TABLE traffic_batch ADD CONSTRAINT traffic_batch_kind_check CHECK (kind BETWEEN 1 AND 6);
ALTER TABLE traffic_day DROP CONSTRAINT traffic_day_kind_check;
ALTER TABLE traffic_day ADD CONSTRAINT traffic_day_kind_check CHECK (kind BETWEEN 1 AND 5);

-- Per day holding communications: the longest (end - start) stored, so that a lookup of a
-- window [from, to] reads index entries with start in [from - max_span, to] only.
-- Maintained by a batch's commit and by the drop of a day.
CREATE TABLE comm_day (
    day integer PRIMARY KEY,
    max_span bigint NOT NULL CHECK (max_span >= 0)
);

-- One copy of a communication per UTC day it covers. Each partition's key is
-- (batch, ord): the day is the partition's.
CREATE TABLE comm_row (
    day integer NOT NULL,
    batch bigint NOT NULL,
    ord bigint NOT NULL CHECK (ord >= 0),
    kind smallint NOT NULL CHECK (kind IN (3, 4, 5)),
    start bigint NOT NULL,
    end_at bigint NOT NULL,
    sealed bytea NOT NULL,
    CHECK (end_at >= start)
) PARTITION BY RANGE (day);

-- The blind indexes a copy is found by (party identifiers and cells of the day). Each
-- partition's key is the lookup's order (key, start, batch, ord), carrying the end so a
-- probe rejects entries outside the window without reading the heap.
CREATE TABLE comm_key (
    day integer NOT NULL,
    key bytea NOT NULL,
    start bigint NOT NULL,
    end_at bigint NOT NULL,
    batch bigint NOT NULL,
    ord bigint NOT NULL
) PARTITION BY RANGE (day);

-- The name of the partition of `parent` (`comm_row` or `comm_key`) for day `d`.
CREATE FUNCTION tdip_comm_day_name(parent text, d integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT CASE WHEN d < 0 THEN parent || '_dm' || (-d::bigint)::text
                ELSE parent || '_d' || d::text END
$$;

-- Creates the partitions of day `d` of `comm_row` and `comm_key` unless they exist, as
-- `tdip_traffic_day` does: each table made on its own with the partition constraint as a
-- CHECK, then attached (a SHARE UPDATE EXCLUSIVE lock on the parent, no scan).
CREATE FUNCTION tdip_comm_day(d integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    parent text;
    t text;
BEGIN
    IF d = 2147483647 THEN
        RAISE EXCEPTION 'day % is out of range', d;
    END IF;
    FOREACH parent IN ARRAY ARRAY['comm_row', 'comm_key'] LOOP
        t := tdip_comm_day_name(parent, d);
        CONTINUE WHEN to_regclass(t) IS NOT NULL;
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
                            CONSTRAINT %I CHECK (day >= %s AND day < %s))',
                       t, parent, t || '_day', d, d + 1);
        IF parent = 'comm_row' THEN
            EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY (batch, ord)',
                           t, t || '_key');
        ELSE
            EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I UNIQUE (key, start, batch, ord)
                                INCLUDE (end_at)', t, t || '_key');
        END IF;
        EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)',
                       parent, t, d, d + 1);
        EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', t, t || '_day');
    END LOOP;
END;
$$;

-- Detaches and drops the partitions of day `d` of `comm_row` and `comm_key`, if any.
CREATE FUNCTION tdip_comm_drop_day(d integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    parent text;
    t text;
BEGIN
    FOREACH parent IN ARRAY ARRAY['comm_row', 'comm_key'] LOOP
        t := tdip_comm_day_name(parent, d);
        CONTINUE WHEN to_regclass(t) IS NULL;
        EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', parent, t);
        EXECUTE format('DROP TABLE %I', t);
    END LOOP;
END;
$$;

-- Cell configurations: network data, in clear so that an area can be searched, with the
-- application's keyed MAC. Names sort by their bytes, as SQLite's do.
CREATE TABLE cell_config (
    provider text COLLATE "C" NOT NULL,
    cell_id text COLLATE "C" NOT NULL,
    valid_from bigint NOT NULL,
    batch bigint NOT NULL,
    latitude integer,
    longitude integer,
    config bytea NOT NULL,
    mac bytea NOT NULL CHECK (octet_length(mac) = 16),
    PRIMARY KEY (provider, cell_id, valid_from)
);
CREATE INDEX cell_config_by_place ON cell_config (latitude, longitude)
    WHERE latitude IS NOT NULL;
