-- Roles are cluster-wide: create them once, tolerate a concurrent creator.
do $$
begin
    create role bi_reader nologin;
exception when duplicate_object or unique_violation then null;
end
$$;

do $$
begin
    create role leadership_auditor nologin;
exception when duplicate_object or unique_violation then null;
end
$$;


revoke all on schema raw, quarantine, ops, program, staging, intermediate, restricted from public;

grant usage on schema marts to bi_reader;
grant select on all tables in schema marts to bi_reader;
alter default privileges in schema marts grant select on tables to bi_reader;

grant usage on schema restricted to leadership_auditor;
grant select on all tables in schema restricted to leadership_auditor;
alter default privileges in schema restricted grant select on tables to leadership_auditor;
