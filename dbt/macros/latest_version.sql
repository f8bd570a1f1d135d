{#
    Raw tables keep every version of a record; staging reads the latest one per key.
    Usage: {{ latest_version(source('hr', 'workers'), ['worker_id']) }}
#}
{% macro latest_version(relation, key_columns) -%}
    select *
    from (
        select
            versions.*,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by _as_of desc, _batch_id desc
            ) as _version_rank
        from {{ relation }} as versions
    ) as ranked
    where _version_rank = 1
{%- endmacro %}
