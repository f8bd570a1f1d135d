-- What each refresh build did with every table it selected (dbt/macros/early_cutoff.sql):
-- rebuilt and came out 'changed' or 'unchanged' (or 'rebuilt', not compared: no model
-- reads it), or 'kept' without rebuilding because nothing it reads changed. The models
-- downstream read their parents' outcomes here, within the same refresh (its dbt
-- commands share the refresh_id), to decide whether they need rebuilding at all.
create table if not exists ops.refresh_models (
    refresh_id    text not null,
    model         text not null,
    outcome       text not null check (outcome in ('changed', 'unchanged', 'rebuilt', 'kept')),
    row_count     bigint,
    recorded_at   timestamptz not null default now(),
    primary key (refresh_id, model)
);

-- Every dbt command that builds or tests (on-run-start and on-run-end hooks in
-- dbt_project.yml): one that failed or never finished since the last full build may
-- have left a model newer than the models built from it, so the next build of the
-- marts is a full one (leadership.dbt.changed_since_last_build), never a refresh that
-- would trust them.
create table if not exists ops.dbt_invocations (
    invocation_id text primary key,
    command       text not null,
    started_at    timestamptz not null default now(),
    finished_at   timestamptz,
    succeeded     boolean
);
