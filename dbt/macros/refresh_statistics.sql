{#
    A post-hook for every model and seed: a table the build just wrote gets planner
    statistics before the models and tests that read it run. Without them PostgreSQL
    guesses its size and value distribution (autovacuum may analyse it later, or never),
    and the joins downstream are planned on the guess. Views have no statistics of their
    own.
#}
{% macro refresh_statistics() -%}
    {%- if config.get('materialized') in ('table', 'incremental', 'seed') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
