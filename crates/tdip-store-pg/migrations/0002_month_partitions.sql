-- tdip PostgreSQL schema, migration 2: versions and their blind indexes in monthly range
-- partitions, so that retention destroys a month of expired history by dropping two
-- partitions (no row-by-row DELETE, no dead tuples, indexes gone with the data).
--
-- The partition key is `ends_month`: the calendar month (UTC, counted as year * 12 +
-- month - 1) in which a version stopped being valid. Identification data are kept for a
-- fixed time after they stop being valid (SPEC §6), so a month of closed versions expires
-- as a whole. Versions still valid carry `ends_month` = 2147483647 and live in the
-- partition `version_open`; closing a version moves it (and its `ident` rows) into the
-- partition of its month, created on first use by `tdip_month_partitions`.
--
-- PostgreSQL 15 refuses exclusion constraints on a partitioned table, so the non-overlap
-- guarantee of migration 1 is now per partition: in `version_open` a deferred UNIQUE
-- (sub_key) (two open versions of one subscription always overlap), in each month
-- partition the same deferred gist exclusion as before. Overlaps between an open and a
-- closed version (two partitions) are checked by the store, set-based, when a delivery
-- commits.

CREATE FUNCTION tdip_month(t bigint) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT (extract(year FROM d) * 12 + extract(month FROM d) - 1)::integer
    FROM (SELECT date '1970-01-01' + floor(t / 86400.0)::integer AS d) AS day
$$;

-- Creates the month partitions of `version` and `ident` for month `m` unless they exist.
-- Names are version_YYYY_MM and ident_YYYY_MM.
CREATE FUNCTION tdip_month_partitions(m integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    suffix text := format('%s_%s', lpad((m / 12)::text, 4, '0'), lpad((m % 12 + 1)::text, 2, '0'));
BEGIN
    IF m < 0 OR m >= 2147483647 THEN
        RAISE EXCEPTION 'month % is out of range', m;
    END IF;
    IF to_regclass('version_' || suffix) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF version FOR VALUES FROM (%s) TO (%s)',
                       'version_' || suffix, m, m + 1);
        EXECUTE format('ALTER TABLE %I ALTER COLUMN sealed SET STORAGE EXTERNAL',
                       'version_' || suffix);
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I EXCLUDE USING gist (
                            sub_key WITH =, int8range(valid_from, valid_to) WITH &&
                        ) DEFERRABLE INITIALLY DEFERRED',
                       'version_' || suffix, 'version_' || suffix || '_no_overlap');
    END IF;
    IF to_regclass('ident_' || suffix) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF ident FOR VALUES FROM (%s) TO (%s)',
                       'ident_' || suffix, m, m + 1);
    END IF;
END;
$$;

ALTER TABLE version RENAME TO version_v1;
ALTER INDEX version_pkey RENAME TO version_v1_pkey;
ALTER TABLE version_v1 RENAME CONSTRAINT version_no_overlap TO version_v1_no_overlap;
ALTER TABLE ident RENAME TO ident_v1;
ALTER INDEX ident_pkey RENAME TO ident_v1_pkey;

CREATE TABLE version (
    id bigint NOT NULL,
    provider text COLLATE "C" NOT NULL REFERENCES provider(id),
    sub_key bytea NOT NULL CHECK (octet_length(sub_key) = 16),
    opened_by bigint NOT NULL,
    valid_from bigint NOT NULL,
    seen_before bigint,
    valid_to bigint,
    last_seen bigint,
    sealed bytea NOT NULL,
    ends_month integer NOT NULL DEFAULT 2147483647,
    CHECK (valid_to IS NULL OR valid_to > valid_from),
    CHECK ((valid_to IS NULL) = (last_seen IS NULL)),
    CHECK ((valid_to IS NULL) = (ends_month = 2147483647)),
    CHECK (valid_to IS NULL OR ends_month = tdip_month(valid_to)),
    PRIMARY KEY (id, ends_month)
) PARTITION BY RANGE (ends_month);
ALTER TABLE version ALTER COLUMN sealed SET STORAGE EXTERNAL;

CREATE TABLE version_open PARTITION OF version
    FOR VALUES FROM (2147483647) TO (MAXVALUE);
ALTER TABLE version_open ALTER COLUMN sealed SET STORAGE EXTERNAL;
ALTER TABLE version_open ADD CONSTRAINT version_open_no_overlap
    UNIQUE (sub_key) DEFERRABLE INITIALLY DEFERRED;

-- Blind index -> version, partitioned as the version it points to. The version id index
-- of the open partition finds the rows to move when a version closes.
CREATE TABLE ident (
    bidx bigint NOT NULL,
    version_id bigint NOT NULL,
    provider text COLLATE "C" NOT NULL,
    ends_month integer NOT NULL DEFAULT 2147483647,
    PRIMARY KEY (bidx, version_id, ends_month)
) PARTITION BY RANGE (ends_month);

CREATE TABLE ident_open PARTITION OF ident
    FOR VALUES FROM (2147483647) TO (MAXVALUE);
CREATE INDEX ident_open_by_version ON ident_open (version_id);

SELECT tdip_month_partitions(m)
FROM (SELECT DISTINCT tdip_month(valid_to) AS m FROM version_v1 WHERE valid_to IS NOT NULL) AS months;

INSERT INTO version (id, provider, sub_key, opened_by, valid_from, seen_before, valid_to,
                     last_seen, sealed, ends_month)
SELECT id, provider, sub_key, opened_by, valid_from, seen_before, valid_to, last_seen, sealed,
       COALESCE(tdip_month(valid_to), 2147483647)
FROM version_v1;

INSERT INTO ident (bidx, version_id, provider, ends_month)
SELECT i.bidx, i.version_id, i.provider, COALESCE(tdip_month(v.valid_to), 2147483647)
FROM ident_v1 AS i JOIN version_v1 AS v ON v.id = i.version_id;

DROP TABLE ident_v1;
DROP TABLE version_v1;
