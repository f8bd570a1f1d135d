-- What the quarterly jobs write. dbt reads these as sources (schema program).

-- One matching run per quarter (or per what-if): its settings and what it did.
create table if not exists program.match_runs (
    run_id        bigserial primary key,
    quarter       text not null,
    full_rematch  boolean not null default false,
    settings      jsonb not null,
    started_at    timestamptz not null default now(),
    finished_at   timestamptz,
    summary       jsonb
);

-- Mentor assignments with history: a pair is in force on day d when
-- valid_from <= d < valid_to (valid_to null: still current). A pair replaced at a
-- quarterly refresh ends on the day its successor starts.
create table if not exists program.assignments (
    assignment_id  bigserial primary key,
    run_id         bigint references program.match_runs (run_id),
    resident_id    text not null,
    tier           text not null check (tier in ('peer', 'attending', 'chair_sponsor')),
    mentor_id      text not null,
    score          numeric(6, 4) not null,
    interest       numeric(6, 4) not null,
    availability   numeric(6, 4) not null,
    past_success   numeric(6, 4) not null,
    notify         boolean not null,
    kept_from      bigint references program.assignments (assignment_id),
    valid_from     date not null,
    valid_to       date,
    check (valid_to is null or valid_to >= valid_from)
);
create unique index if not exists assignments_one_current_per_tier
    on program.assignments (resident_id, tier) where valid_to is null;
create index if not exists assignments_mentor_idx on program.assignments (mentor_id, tier);

-- Residents a run could not match in a tier, with the reason.
create table if not exists program.unmatched (
    run_id       bigint not null references program.match_runs (run_id),
    resident_id  text not null,
    tier         text not null,
    reason       text not null,
    primary key (run_id, resident_id, tier)
);

-- The outbox of messages the program sends (mentor notifications, coaching flags).
create table if not exists program.notifications (
    notification_id  bigserial primary key,
    kind             text not null,
    quarter          text not null,
    recipient_id     text not null,
    subject          text not null,
    body             text not null,
    payload          jsonb not null default '{}'::jsonb,
    dedupe_key       text not null unique,
    created_at       timestamptz not null default now(),
    sent_at          timestamptz
);

-- Readiness review: residents below the LRS threshold get a coaching session.
create table if not exists program.coaching_flags (
    quarter            text not null,
    resident_id        text not null,
    lrs                numeric(5, 1),
    weakest_dimension  text,
    suggested_pods     text,
    status             text not null default 'open',
    created_at         timestamptz not null default now(),
    primary key (quarter, resident_id)
);
