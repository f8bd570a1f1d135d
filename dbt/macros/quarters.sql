{#
    Calendar quarters, labelled like 2026Q3. quarter_of(expr) labels a date;
    quarter_spine() lists the `history_quarters` quarters up to the as-of date.
#}
{% macro quarter_of(day) -%}
    (extract(year from {{ day }})::int || 'Q' || extract(quarter from {{ day }})::int)
{%- endmacro %}

{#
    The spine counts quarters back with an integer series, whose length PostgreSQL knows
    when it plans (for a series of timestamps it assumes 1,000 rows: every join on the
    spine was then estimated 250 times too large, costly enough to be compiled by JIT).
#}
{% macro quarter_spine() -%}
    select
        {{ quarter_of('quarter_start') }} as quarter,
        cast(quarter_start as date) as quarter_start,
        cast(quarter_start + interval '3 months' - interval '1 day' as date) as quarter_end
    from (
        select date_trunc('quarter', {{ as_of_date() }}) - interval '3 months' * quarters_back
            as quarter_start
        from generate_series({{ var('history_quarters') }} - 1, 0, -1) as quarters_back
    ) as spine
{%- endmacro %}
