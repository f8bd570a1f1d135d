{#
    The day the marts describe: the `as_of_date` var when given (Airflow passes the
    run's data interval end, so re-running a past interval rebuilds that day's view),
    else the day the run started.
#}
{% macro as_of_date() -%}
    {%- if var('as_of_date', none) -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        cast('{{ run_started_at.strftime("%Y-%m-%d") }}' as date)
    {%- endif -%}
{%- endmacro %}
