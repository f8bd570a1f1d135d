-- What every expectation said about every batch (GX keeps its own JSON results too,
-- under .local/gx; this table is for SQL and dashboards).
create table if not exists ops.validation_results (
    batch_id          bigint not null references ops.batches (batch_id),
    suite             text not null,
    expectation       text not null,
    column_name       text,
    level             text not null,          -- row: quarantines rows; batch: holds the batch
    success           boolean not null,
    unexpected_count  integer not null default 0,
    detail            text,
    validated_at      timestamptz not null default now()
);
create index if not exists validation_results_batch_idx on ops.validation_results (batch_id);

-- Who released a held or quarantined batch, and why.
alter table ops.batches add column if not exists released_from bigint references ops.batches (batch_id);
alter table ops.batches add column if not exists release_note text;
