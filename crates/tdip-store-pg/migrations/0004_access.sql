-- tdip PostgreSQL schema, migration 4: the registry of officers and agency suspensions,
-- the same tables and meaning as the SQLite backend's 0002_access.sql. Released
-- migrations are never edited; add a new one. Agencies are named by their qualified id
-- in the catalogue (`nl/politie`) and not registered here. Keys use the "C" collation so
-- that they sort by their bytes, as SQLite sorts them.
CREATE TABLE officer (
    agency text COLLATE "C" NOT NULL,
    id text COLLATE "C" NOT NULL,
    name text NOT NULL,
    registered_at bigint NOT NULL,
    valid_until bigint,
    suspended_at bigint,
    suspended_reason text,
    CHECK ((suspended_at IS NULL) = (suspended_reason IS NULL)),
    PRIMARY KEY (agency, id)
);

CREATE TABLE agency_suspension (
    agency text COLLATE "C" PRIMARY KEY,
    at bigint NOT NULL,
    reason text NOT NULL
);
