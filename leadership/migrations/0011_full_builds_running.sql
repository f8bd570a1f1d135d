-- warehouse_build runs that build every model through Cosmos, one Airflow task per model,
-- while they run: the marts are half old, half new until the run's last task, and a
-- quarterly task must neither read them nor build them itself in between
-- (leadership.orchestration.wait_for_full_builds). The run's record_build task removes
-- its row; a failed run's row is removed by the first quarterly task that finds the run
-- finished.
create table if not exists ops.full_builds_running (
    run_id      text primary key,
    as_of_date  date not null,
    started_at  timestamptz not null default now()
);
