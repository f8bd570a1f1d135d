-- Batches and bookmarks: every published batch has a row, and the bookmark moves
-- in the same transaction as the data it covers.
create table if not exists ops.batches (
    batch_id       bigserial primary key,
    source         text not null,          -- the connector, e.g. hr_csv, workday
    feed           text not null,          -- the contract's feed, e.g. hr
    stream         text not null,          -- the contract's stream, e.g. workers
    source_ref     text,                   -- what was read: a file name, a report window
    window_start   timestamptz,
    window_end     timestamptz,
    received       integer not null,
    published      integer not null,       -- accepted rows (new versions + unchanged)
    quarantined    integer not null,
    inserted       integer not null default 0,  -- new record versions written to raw
    status         text not null,
    message        text,
    run_id         text,                   -- the Airflow run, when one ran it
    started_at     timestamptz not null,
    finished_at    timestamptz,
    constraint batches_counts_add_up check (received = published + quarantined),
    constraint batches_status check (status in ('published', 'held', 'released'))
);
create index if not exists batches_stream_idx on ops.batches (feed, stream, batch_id);

create table if not exists ops.bookmarks (
    source      text not null,
    stream      text not null,
    value       jsonb not null,
    batch_id    bigint references ops.batches (batch_id),
    updated_at  timestamptz not null default now(),
    primary key (source, stream)
);

-- A sync that failed before anything could be published (source unreachable,
-- unreadable file): kept so data engineers see it next to the batches.
create table if not exists ops.sync_failures (
    failure_id  bigserial primary key,
    source      text not null,
    stream      text,
    failed_at   timestamptz not null default now(),
    message     text not null,
    run_id      text
);
