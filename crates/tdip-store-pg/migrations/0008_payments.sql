-- tdip PostgreSQL schema, migration 8: the payment history of subscriptions (delivery
-- format version 2). One sealed row per payment, keyed by a keyed digest of the
-- subscription and the payment's moment (a payment delivered again is kept once), in
-- range partitions by the UTC month of the payment (`month`, as `tdip_month` counts), so
-- that retention destroys a month of payments by deleting a provider's rows of one
-- partition and dropping the partition once no provider has any left in it.

CREATE TABLE payment (
    key bytea NOT NULL CHECK (octet_length(key) = 16),
    provider text COLLATE "C" NOT NULL REFERENCES provider(id),
    sub_key bytea NOT NULL CHECK (octet_length(sub_key) = 16),
    month integer NOT NULL CHECK (month >= 0),
    delivery bigint NOT NULL,
    sealed bytea NOT NULL,
    PRIMARY KEY (key, month)
) PARTITION BY RANGE (month);
CREATE INDEX payment_by_sub ON payment (sub_key);
CREATE INDEX payment_by_provider ON payment (provider);

-- Creates the partition payment_YYYY_MM of month `m` unless it exists.
CREATE FUNCTION tdip_payment_partition(m integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    name text := format('payment_%s_%s', lpad((m / 12)::text, 4, '0'), lpad((m % 12 + 1)::text, 2, '0'));
BEGIN
    IF m < 0 OR m >= 2147483647 THEN
        RAISE EXCEPTION 'month % is out of range', m;
    END IF;
    IF to_regclass(name) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF payment FOR VALUES FROM (%s) TO (%s)',
                       name, m, m + 1);
    END IF;
END;
$$;
