{#
    A post-hook for intermediate tables: their key (and any check) enforced by PostgreSQL
    as the table is written, where a unique and a not_null test would each be a node of
    their own, run after the table is in place. The hook runs after dbt renames the new
    table into place and before it commits: a duplicate or missing key (or a failed check)
    fails the model, the transaction rolls back, and the previous table stays. Marts
    declare theirs in their contracts; incremental marts use ensure_primary_key.
    Usage: post_hook="{{ enforce_constraints(primary_key=['resident_id', 'quarter']) }}",
    or not_null=['column', ...], allowed={'column': ['value', ...]} (the only values it
    takes), check='an SQL condition every row meets'.
#}
{% macro enforce_constraints(primary_key=none, not_null=[], allowed={}, check=none) -%}
    {%- set clauses = [] -%}
    {%- if primary_key -%}
        {%- do clauses.append('add primary key (' ~ primary_key | join(', ') ~ ')') -%}
    {%- endif -%}
    {%- for column in not_null -%}
        {%- do clauses.append('alter column ' ~ column ~ ' set not null') -%}
    {%- endfor -%}
    {%- for column, values in allowed.items() -%}
        {%- do clauses.append('add check (' ~ column ~ " in ('" ~ values | join("', '") ~ "'))") -%}
    {%- endfor -%}
    {%- if check -%}
        {%- do clauses.append('add check (' ~ check ~ ')') -%}
    {%- endif -%}
    {%- if clauses -%}
        alter table {{ this }} {{ clauses | join(', ') }}
    {%- endif -%}
{%- endmacro %}
