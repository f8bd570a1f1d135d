{#
    A column-level test: the column is a key, unique and never null. One query and one
    node where `unique` and `not_null` are two of each: a build runs a test node per key
    of every staging and intermediate view, and each node is a fixed cost of dbt's besides
    the query (docs/benchmarks.md). A failing row is a duplicated key (with its count) or the
    null key (with the number of rows that lack one).
#}
{% test primary_key(model, column_name) %}
    select {{ column_name }}, count(*) as occurrences
    from {{ model }}
    group by {{ column_name }}
    having count(*) > 1 or {{ column_name }} is null
{% endtest %}
