-- tdip SQLite schema, migration 5: retention finds a provider's closed versions by the
-- moment their validity ended (a month of them is deleted at a time), without a scan.
CREATE INDEX version_by_end ON version(provider, valid_to) WHERE valid_to IS NOT NULL;
