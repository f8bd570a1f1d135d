{#
    Calendar quarters, labelled like 2026Q3. quarter_of(expr) labels a date;
    quarter_spine() lists the `history_quarters` quarters up to the as-of date.
#}
{% macro quarter_of(day) -%}
    (extract(year from {{ day }})::int || 'Q' || extract(quarter from {{ day }})::int)
{%- endmacro %}

{% macro quarter_spine() -%}
    select
        {{ quarter_of('quarter_start') }} as quarter,
        cast(quarter_start as date) as quarter_start,
        cast(quarter_start + interval '3 months' - interval '1 day' as date) as quarter_end
    from generate_series(
        date_trunc('quarter', {{ as_of_date() }})
        - interval '3 months' * ({{ var('history_quarters') }} - 1),
        date_trunc('quarter', {{ as_of_date() }}),
        interval '3 months'
    ) as quarter_start
{%- endmacro %}
