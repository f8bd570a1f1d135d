{#
    The day the marts describe: the `as_of_date` var when given (Airflow passes the
    run's data interval end, so re-running a past interval rebuilds that day's view),
    else the day the run started.

    Every model that calls it, directly or through another macro, is tagged
    `reads_as_of_date` when dbt parses it: a build as of a new day refreshes those and
    what reads them (leadership.dbt.changed_since_last_build, early_cutoff.sql), and the
    tag cannot be forgotten on a model that starts to read the day.
#}
{% macro as_of_date() -%}
    {%- do config(tags=['reads_as_of_date']) -%}
    {%- if var('as_of_date', none) -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        cast('{{ run_started_at.strftime("%Y-%m-%d") }}' as date)
    {%- endif -%}
{%- endmacro %}
