{#
    A post-hook for incremental models: adds the primary key when the table has none,
    on any run, and does nothing when it is in place. An incremental mart's contract
    creates its key with the table, but a table created before the key was declared (a
    warehouse older than the constraint) would go without it until a full refresh; an
    incremental intermediate model, which has no contract, gets its key here on the run
    that creates its table.
    Usage: post_hook="{{ ensure_primary_key('free_slot_week_id') }}", or several columns
    as one string: ensure_primary_key('response_id, lrs_dimension').
#}
{% macro ensure_primary_key(key_columns) -%}
    do $$
    begin
        if not exists (
            select from pg_constraint
            where conrelid = '{{ this.schema }}.{{ this.identifier }}'::regclass
                and contype = 'p'
        ) then
            alter table {{ this }} add primary key ({{ key_columns }});
        end if;
    end
    $$
{%- endmacro %}
