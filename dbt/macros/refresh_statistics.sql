{#
    A post-hook for every model and seed: a table the build just wrote gets planner
    statistics before the models that read it run. Without them PostgreSQL guesses its
    size and value distribution (autovacuum may analyse it later, or never), and the
    joins downstream are planned on the guess. Views have no statistics of their own.

    A table no model reads (a mart at the end of the graph) is not analysed here: no
    plan of the build depends on it, and analysing costs a read of up to 30,000 rows
    (about a tenth of a second for the readiness components, every daily refresh). The
    dashboard's and exports' queries on such a mart read it whole or by quarter, and
    autovacuum analyses a new table within its naptime (a minute by default).
#}
{% macro refresh_statistics() -%}
    {%- if config.get('materialized') in ('table', 'incremental', 'seed')
        and cutoff_has_children(model.unique_id) -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
