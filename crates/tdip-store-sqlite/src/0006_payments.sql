-- tdip SQLite schema, migration 6: the payment history of subscriptions (delivery format
-- version 2). One sealed row per payment, keyed by a keyed digest of the subscription and
-- the payment's moment (a payment delivered again is kept once), found by subscription
-- and deleted a UTC month at a time by retention.
CREATE TABLE payment (
    key BLOB PRIMARY KEY CHECK (length(key) = 16),
    provider TEXT NOT NULL REFERENCES provider(id),
    sub_key BLOB NOT NULL CHECK (length(sub_key) = 16),
    month INTEGER NOT NULL,
    delivery INTEGER NOT NULL,
    sealed BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX payment_by_sub ON payment(sub_key);
CREATE INDEX payment_by_month ON payment(provider, month);
