-- Task failures Airflow reported (the DAGs' failure callback), for data engineers.
create table if not exists ops.alerts (
    alert_id     bigserial primary key,
    raised_at    timestamptz not null default now(),
    dag_id       text not null,
    task_id      text,
    run_id       text,
    try_number   integer,
    message      text not null,
    where_to_look text not null
);

-- Every warehouse build with the day its marts describe, so quarterly jobs know
-- whether the marts already show the quarter they work on.
create table if not exists ops.mart_builds (
    build_id     bigserial primary key,
    as_of_date   date not null,
    started_at   timestamptz not null,
    finished_at  timestamptz not null default now(),
    selector     text,
    run_id       text
);
