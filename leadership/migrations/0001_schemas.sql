-- The warehouse's schemas (DESIGN.md, Warehouse). dbt owns the tables in
-- staging, intermediate and marts; the schemas exist up front so grants can be set.
create schema if not exists raw;
create schema if not exists quarantine;
create schema if not exists ops;
create schema if not exists program;
create schema if not exists staging;
create schema if not exists intermediate;
create schema if not exists marts;
create schema if not exists restricted;

comment on schema raw is 'Published source data: what each source said, plus _batch_id, _extracted_at, _record_hash.';
comment on schema quarantine is 'Rows that failed validation, with every reason; released rows are validated again.';
comment on schema ops is 'Pipeline bookkeeping: batches, bookmarks, validation results, migrations.';
comment on schema program is 'What the quarterly jobs write: assignments, flags, notifications.';
comment on schema marts is 'The documented interface for BI tools (role bi_reader).';
comment on schema restricted is 'Demographics, for the equity audit only (role leadership_auditor).';
