{#
    A post-hook for incremental marts: their contract's primary key is created with the
    table, so a table created before the key was declared (a warehouse older than the
    constraint) would go without it until a full refresh. This adds it on the next run.
    Usage: post_hook="{{ ensure_primary_key('free_slot_week_id') }}"
#}
{% macro ensure_primary_key(key_column) -%}
    {%- if is_incremental() -%}
        do $$
        begin
            if not exists (
                select from pg_constraint
                where conrelid = '{{ this.schema }}.{{ this.identifier }}'::regclass
                    and contype = 'p'
            ) then
                alter table {{ this }} add primary key ({{ key_column }});
            end if;
        end
        $$
    {%- endif -%}
{%- endmacro %}
