-- A compared table's digest as a refresh left it, with the table's OID (each dbt build of
-- a table creates a new one): the next refresh that rebuilds the table takes its "before"
-- digest from here when the table is still that one, instead of reading it whole again
-- (dbt/macros/early_cutoff.sql).
alter table ops.refresh_models
    add column if not exists digest text,
    add column if not exists relation_oid oid;
