-- The stream contracts the raw and quarantine tables were last made to match (a hash of
-- the statements leadership.tables derives from them). Every sync migrates first: with
-- the same contracts and every table in place there is nothing to alter, so no DDL runs
-- and no sync waits for another's publishing transaction to release a table.
create table if not exists ops.stream_tables (
    contracts_fingerprint text not null,
    applied_at            timestamptz not null default now()
);
