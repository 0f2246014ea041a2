-- tdip PostgreSQL schema, migration 3: the audit log. Released migrations are never
-- edited; add a new one. Appends take an advisory lock of their own, never the
-- delivery's, so logging a consultation does not wait for a delivery.
CREATE TABLE audit_entry (
    seq bigint PRIMARY KEY CHECK (seq >= 0),
    at bigint NOT NULL,
    kind text NOT NULL,
    body bytea,
    digest bytea NOT NULL CHECK (length(digest) = 32)
);

CREATE TABLE audit_head (
    size bigint PRIMARY KEY CHECK (size >= 0),
    root bytea NOT NULL CHECK (length(root) = 32),
    at bigint NOT NULL,
    signature bytea NOT NULL CHECK (length(signature) = 64)
);
