{#
    on-run-start / on-run-end hooks: every dbt command that builds or tests is noted in
    ops.dbt_invocations, and whether all its nodes succeeded. A refresh trusts the marts
    as the last full build left them only when no such command failed or stopped half-way
    since (leadership.dbt.changed_since_last_build). A warehouse without the table (not
    migrated yet) is left alone.
#}

{% macro dbt_writes() -%}
    {{ return(invocation_args_dict.get('which') in ('build', 'run', 'test', 'seed', 'snapshot')) }}
{%- endmacro %}

{% macro record_invocation_start() -%}
    {%- if execute and dbt_writes() -%}
        do $$
        begin
            if to_regclass('ops.dbt_invocations') is not null then
                insert into ops.dbt_invocations (invocation_id, command)
                values ('{{ invocation_id }}', '{{ invocation_args_dict.get("which") }}')
                on conflict (invocation_id) do nothing;
            end if;
        end
        $$
    {%- endif -%}
{%- endmacro %}

{% macro record_invocation_end(results) -%}
    {%- if execute and dbt_writes() -%}
        {%- set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error', 'skipped']) | list -%}
        do $$
        begin
            if to_regclass('ops.dbt_invocations') is not null then
                update ops.dbt_invocations
                set finished_at = now(), succeeded = {{ 'false' if failed else 'true' }}
                where invocation_id = '{{ invocation_id }}';
            end if;
        end
        $$
    {%- endif -%}
{%- endmacro %}
