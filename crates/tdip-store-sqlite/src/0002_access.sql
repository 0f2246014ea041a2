-- tdip SQLite schema, migration 2: the registry of officers and agency suspensions.
-- Released migrations are never edited; add a new one. Agencies are named by their
-- qualified id in the catalogue (`nl/politie`) and not registered here, so neither table
-- refers to another.
CREATE TABLE officer (
    agency TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    registered_at INTEGER NOT NULL,
    valid_until INTEGER,
    suspended_at INTEGER,
    suspended_reason TEXT,
    CHECK ((suspended_at IS NULL) = (suspended_reason IS NULL)),
    PRIMARY KEY (agency, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE agency_suspension (
    agency TEXT PRIMARY KEY,
    at INTEGER NOT NULL,
    reason TEXT NOT NULL
) STRICT, WITHOUT ROWID;
