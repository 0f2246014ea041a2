-- tdip SQLite audit database, migration 1 (a file of its own: appends never wait for a
-- delivery). Released migrations are never edited; add a new one.
CREATE TABLE audit_entry (
    seq INTEGER PRIMARY KEY CHECK (seq >= 0),
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    body BLOB,
    digest BLOB NOT NULL CHECK (length(digest) = 32)
) STRICT;

CREATE TABLE audit_head (
    size INTEGER PRIMARY KEY CHECK (size >= 0),
    root BLOB NOT NULL CHECK (length(root) = 32),
    at INTEGER NOT NULL,
    signature BLOB NOT NULL CHECK (length(signature) = 64)
) STRICT;
