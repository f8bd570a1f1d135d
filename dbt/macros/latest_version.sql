{#
    Raw tables keep every version of a record; staging reads the latest one per key.
    Usage: {{ latest_version(source('hr', 'workers'), ['worker_id']) }}

    distinct on, not a row_number() = 1 filter: PostgreSQL estimates the rows a
    distinct on keeps from the key's distinct values, but a filter on a window result
    at a fixed fraction of the versions (a few rows of thousands), and on that estimate
    it joins the staging views with nested loops that re-read one side for every row
    of the other.
#}
{% macro latest_version(relation, key_columns) -%}
    select distinct on ({{ key_columns | join(', ') }}) versions.*
    from {{ relation }} as versions
    order by {{ key_columns | join(', ') }}, versions._as_of desc, versions._batch_id desc
{%- endmacro %}
