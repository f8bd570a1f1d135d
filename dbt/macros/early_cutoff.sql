{#
    Early cutoff for refresh builds: a refresh rebuilds what is downstream of the streams
    that changed (leadership.dbt.build_marts), and most of that comes out as it was: a new
    email address changes dim_physicians, not the readiness scores three models further
    on. With LEADERSHIP_REFRESH_ID in dbt's environment (set for a refresh's dbt commands
    by leadership/dbt_refresh.py, and only then; the refresh's id, shared by its commands):

    - a table whose selected parents all came out unchanged is kept as it is, not rebuilt
      (its outcome 'kept');
    - a table that is rebuilt and read by another selected model is compared with what it
      was (row count and the sum of a 64-bit hash of every row) and recorded as 'changed'
      or 'unchanged' in ops.refresh_models, where its children look it up, in this
      command or the refresh's next (one that no model reads is not compared: 'rebuilt');
      what it was is the digest an earlier refresh recorded for the same table (its OID)
      when there is one, so a table refreshed every day is read whole once a day, not twice;
    - a view is kept when it exists: a refresh runs the same project with the same vars as
      the full build before it (build_marts checks both; the day aside, below), so its
      definition is the same; its outcome says whether its rows changed ('changed' when
      a parent did, else 'kept'), for the refresh's next command;
    - an incremental model with nothing it reads changed is not run (below);
    - a test is not run again when nothing it reads changed (below).

    A refresh as of another day than the build before (LEADERSHIP_REFRESH_NEW_DAY set)
    also rebuilds every model tagged `reads_as_of_date` (as_of_date.sql tags them): a
    view, to write the new day into its definition; a table, compared as above, so that
    what reads it runs only when the new day changed its rows.

    A parent with an outcome recorded in this refresh changed unless it came out unchanged
    or was kept. Otherwise: whether a selected view's rows changed follows from its own
    parents; a source, or any other selected model (an incremental one), counts as
    changed; a model outside the refresh, as unchanged. Without the variable (full
    builds, the Cosmos DAG's per-model runs) the materializations are dbt's own.
#}

{% macro refresh_id() -%}
    {{ return(env_var('LEADERSHIP_REFRESH_ID', '')) }}
{%- endmacro %}


{% macro early_cutoff_enabled() -%}
    {{ return(refresh_id() != '') }}
{%- endmacro %}


{% materialization table, adapter='postgres' %}
    {%- if not early_cutoff_enabled() -%}
        {%- set result = dbt.materialization_table_default() -%}
        {% do cutoff_record_built_digest() %}
        {{ return(result) }}
    {%- endif -%}
    {%- set existing = load_cached_relation(this) -%}
    {%- set kept_before = existing is not none and existing.is_table -%}
    {%- if kept_before and not cutoff_reads_new_day(model.unique_id)
        and not cutoff_inputs_changed(model.unique_id, cutoff_outcomes()) -%}
        {{ return(cutoff_keep_table()) }}
    {%- endif -%}
    {%- set watched = kept_before and cutoff_has_children(model.unique_id) -%}
    {%- if watched -%}
        {%- set before = cutoff_recorded_digest(this) or cutoff_digest(this) -%}
    {%- endif -%}
    {%- set in_place = cutoff_in_place_plan(existing) if kept_before else none -%}
    {%- if in_place -%}
        {%- set result = cutoff_refresh_in_place(in_place) -%}
    {%- else -%}
        {%- set result = dbt.materialization_table_default() -%}
    {%- endif -%}
    {%- if watched -%}
        {%- set after = cutoff_digest(this) -%}
        {%- set gather = cutoff_statistics_to_gather(before[0], after[0], in_place) if in_place else none -%}
        {%- if gather is not none -%}
            {% call statement('statistics') -%}
                analyze {{ this }}{{ gather }}
            {%- endcall %}
        {%- endif -%}
        {% do cutoff_record('unchanged' if after == before else 'changed', after[0], after[1]) %}
    {%- else -%}
        {% do cutoff_record('rebuilt') %}
    {%- endif -%}
    {{ return(result) }}
{% endmaterialization %}


{#
    An intermediate table a refresh rebuilds is refreshed in place: in one transaction its
    rows are replaced (truncate, then the model's rows inserted by column name) instead of
    a new table being built beside it, renamed into place and the old one dropped. It keeps
    its OID, grants, the views that read it, and the planner statistics its last analyze
    gathered: a day moves a small part of its rows, so it is analysed again only when its
    row count moves by more than a tenth, or the refresh starts a new quarter (a quarter
    the statistics do not know would be planned as nearly empty: then its quarter columns,
    see cutoff_statistics_to_gather). Its key is dropped before
    the insert and added after it, so the key index is built once from the rows, as for a
    new table, not maintained row by row (which made the 2.5 million readiness components
    of the network slower to refresh in place than to rebuild, docs/benchmarks.md).

    Only a table that is plain enough: an intermediate one (marts, which dashboards read
    while a refresh runs, are built beside and swapped in), without hooks but the
    statistics and constraints ones, with no index but its keys', and of at most
    var('refresh_in_place_max_rows') rows by its statistics, above which computing and
    writing the rows is the work either way: at network scale, the tables of 350,000 to
    3.1 million rows refreshed in place took as long as built beside and swapped in
    (docs/benchmarks.md), and a new table is analysed whole.
    Returns the table's columns and keys for cutoff_refresh_in_place, or none.
#}
{% macro cutoff_in_place_plan(existing) %}
    {%- if config.get('schema') != 'intermediate' or pre_hooks | length > 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for hook in post_hooks -%}
        {%- if 'refresh_statistics()' not in hook.sql and 'enforce_constraints(' not in hook.sql -%}
            {{ return(none) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set found = run_query(
        "select c.reltuples,"
        ~ " (select count(*) from pg_index i where i.indrelid = c.oid and not exists"
        ~ "   (select from pg_constraint k where k.conindid = i.indexrelid)),"
        ~ " (select string_agg(quote_ident(a.attname), ', ' order by a.attnum) from pg_attribute a"
        ~ "   where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped),"
        ~ " keys.names, keys.definitions,"
        ~ " (select string_agg(quote_ident(a.attname), ', ' order by a.attnum) from pg_attribute a"
        ~ "   where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped"
        ~ "   and a.attname like '%quarter%' and a.attname not like '%\\_id')"
        ~ " from pg_class c cross join lateral ("
        ~ "   select coalesce(string_agg(quote_ident(k.conname), ';' order by k.conname), '') as names,"
        ~ "   coalesce(string_agg(pg_get_constraintdef(k.oid), ';' order by k.conname), '') as definitions"
        ~ "   from pg_constraint k where k.conrelid = c.oid and k.contype in ('p', 'u')) as keys"
        ~ " where c.oid = to_regclass('" ~ existing.include(database=false) ~ "')"
    ) -%}
    {%- if found.rows | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set row = found.rows[0] -%}
    {%- if row[0] < 0 or row[0] > var('refresh_in_place_max_rows') or row[1] > 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return({
        'columns': row[2],
        'keys': row[3].split(';') | select | list,
        'definitions': row[4].split(';'),
        'quarter_columns': row[5],
    }) }}
{% endmacro %}


{% macro cutoff_refresh_in_place(plan) %}
    {% call statement('main') -%}
        truncate {{ this }};
        {% for key in plan['keys'] -%}
            alter table {{ this }} drop constraint {{ key }};
        {% endfor -%}
        insert into {{ this }} ({{ plan['columns'] }})
        select {{ plan['columns'] }} from (
            {{ sql }}
        ) as model_rows;
        {% for key in plan['keys'] -%}
            alter table {{ this }} add constraint {{ key }} {{ plan['definitions'][loop.index0] }};
        {% endfor -%}
    {%- endcall %}
    {{ return({'relations': [this]}) }}
{% endmacro %}


{#
    Which statistics a table refreshed in place gathers again (see above): none (the
    statistics stand), '' (the whole table), or ' (<columns>)', the quarter columns only
    (quarter, quarter_start, quarter_end: by name, ids aside).

    Within a quarter, the whole table once its row count moved by more than a tenth. On a
    new quarter's first refresh, the quarter columns, whose values the new quarter renews
    (a quarter the statistics do not know is planned as nearly empty), unless the row
    count moved by more than a quarter: the quarter rolling moves a table's rows by about
    a tenth by itself (one quarter leaves the window, another enters), and ANALYZE with a
    column list updates the row count too (while leaving the table's count of changes
    since its last analyze as it was, so autovacuum still analyses it whole later, off the
    refresh's path). The other columns describe the same physicians
    and codes as before; gathering them too cost the readiness components' table 0.12 s
    instead of 0.04 s at institution scale, on the refresh's critical path, and the
    in-place tables together about 0.5 s of the server's two cores (docs/benchmarks.md).
#}
{% macro cutoff_statistics_to_gather(rows_before, rows_after, plan) %}
    {%- set new_quarter = env_var('LEADERSHIP_REFRESH_NEW_QUARTER', '') != '' -%}
    {%- if (rows_after - rows_before) | abs > (0.25 if new_quarter else 0.1) * rows_before -%}
        {{ return('') }}
    {%- elif new_quarter -%}
        {{ return(' (' ~ plan['quarter_columns'] ~ ')' if plan['quarter_columns'] else '') }}
    {%- endif -%}
    {{ return(none) }}
{% endmacro %}


{#
    An incremental model adds what its inputs brought since its last run: with nothing
    it reads changed there is nothing to add. When it runs it is not compared (the
    comparison would read the whole table): 'rebuilt', so what reads it runs too.
#}
{% materialization incremental, adapter='postgres' %}
    {%- if not early_cutoff_enabled() -%}
        {{ return(dbt.materialization_incremental_default()) }}
    {%- endif -%}
    {%- set existing = load_cached_relation(this) -%}
    {%- if existing is not none and existing.is_table
        and not cutoff_reads_new_day(model.unique_id)
        and not cutoff_inputs_changed(model.unique_id, cutoff_outcomes()) -%}
        {{ return(cutoff_keep_table()) }}
    {%- endif -%}
    {%- set result = dbt.materialization_incremental_default() -%}
    {% do cutoff_record('rebuilt') %}
    {{ return(result) }}
{% endmaterialization %}


{% materialization view, adapter='postgres' %}
    {%- if not early_cutoff_enabled() -%}
        {{ return(dbt.materialization_view_default()) }}
    {%- endif -%}
    {#- recorded for the refresh's next command, which reads the view without selecting it -#}
    {%- set new_day = cutoff_reads_new_day(model.unique_id) -%}
    {%- set changed = new_day or cutoff_inputs_changed(model.unique_id, cutoff_outcomes()) -%}
    {%- set existing = load_cached_relation(this) -%}
    {%- if existing is none or not existing.is_view or new_day -%}
        {%- set result = dbt.materialization_view_default() -%}
        {% do cutoff_record('changed') %}
        {{ return(result) }}
    {%- endif -%}
    {% call statement('main') -%}
        select 1
    {%- endcall %}
    {% do cutoff_record('changed' if changed else 'kept') %}
    {{ return({'relations': [this.incorporate(type='view')]}) }}
{% endmaterialization %}


{#
    A test that fails the build (severity error) passed when it last ran: every command
    since the last full build succeeded (leadership.dbt.changed_since_last_build). With
    nothing it reads changed it would pass again, so it is not run; tests that only warn
    run, to show their warnings again.
#}
{% materialization test, adapter='postgres' %}
    {%- if early_cutoff_enabled() and config.get('severity', 'error') | lower == 'error'
        and not cutoff_inputs_changed(model.unique_id, cutoff_outcomes()) -%}
        {% call statement('main', fetch_result=True) -%}
            select 0 as failures, false as should_warn, false as should_error
        {%- endcall %}
        {{ log('not run: ' ~ model.name ~ ': nothing it reads changed since it passed', info=True) }}
        {{ return({'relations': []}) }}
    {%- endif -%}
    {{ return(dbt.materialization_test_default()) }}
{% endmaterialization %}


{# A table left as it is: dbt's 'main' statement (a no-op), the outcome 'kept'. #}
{% macro cutoff_keep_table() %}
    {% call statement('main') -%}
        select 1
    {%- endcall %}
    {% do cutoff_record('kept') %}
    {{ log('kept ' ~ this ~ ': nothing it reads changed', info=True) }}
    {{ return({'relations': [this.incorporate(type='table')]}) }}
{% endmacro %}


{# The outcomes recorded so far in this refresh: model -> outcome. #}
{% macro cutoff_outcomes() %}
    {%- set rows = run_query(
        "select model, outcome from ops.refresh_models where refresh_id = '"
        ~ refresh_id() ~ "'"
    ) -%}
    {%- set outcomes = {} -%}
    {%- for row in rows -%}
        {%- do outcomes.update({row[0]: row[1]}) -%}
    {%- endfor -%}
    {{ return(outcomes) }}
{% endmacro %}


{# Whether anything the node reads may have changed in this refresh. #}
{% macro cutoff_inputs_changed(node_id, outcomes) %}
    {%- for parent in graph.nodes[node_id].depends_on.nodes -%}
        {%- if parent in outcomes -%}
            {%- if outcomes[parent] not in ('unchanged', 'kept') -%}
                {{ return(true) }}
            {%- endif -%}
        {%- elif parent.startswith('source.') -%}
            {{ return(true) }}
        {%- elif parent in selected_resources -%}
            {%- if graph.nodes[parent].config.materialized not in ('view', 'ephemeral')
                or cutoff_reads_new_day(parent) or cutoff_inputs_changed(parent, outcomes) -%}
                {{ return(true) }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{% endmacro %}


{# Whether the node reads the day, in a refresh as of another day than the build before. #}
{% macro cutoff_reads_new_day(node_id) %}
    {{ return(env_var('LEADERSHIP_REFRESH_NEW_DAY', '') != ''
        and 'reads_as_of_date' in graph.nodes[node_id].tags) }}
{% endmacro %}


{#
    Whether a model reads the node. Any model: a refresh selects everything downstream of
    what changed, but over two dbt commands, so the children may be the next one's.
#}
{% macro cutoff_has_children(node_id) %}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node_id in node.depends_on.nodes -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{% endmacro %}


{#
    The digest a refresh recorded for this very table (same OID: no build replaced it
    since), else none. Saves reading the table whole before rebuilding it, every day.
#}
{% macro cutoff_recorded_digest(relation) %}
    {%- set result = run_query(
        "select row_count, digest from ops.refresh_models"
        ~ " where model = '" ~ model.unique_id ~ "' and digest is not null"
        ~ " and relation_oid = to_regclass('" ~ relation.include(database=false) ~ "')::oid"
        ~ " order by recorded_at desc limit 1"
    ) -%}
    {%- if result.rows | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return([result.rows[0][0] | int, result.rows[0][1]]) }}
{% endmacro %}


{#
    A build that is not a refresh (a full build, or the Cosmos DAG's per-model runs)
    records the digest of each table the next refresh would refresh in place and compare
    (an intermediate table within the bound, read by another model), with its OID: that
    refresh then compares with it instead of reading the table whole first. The day after
    a full build (the quarterly jobs' build, a backfill's, one after the project changed)
    every such table was read twice; now once, as on every other day. Its outcome is
    'rebuilt' (built, not compared), under the dbt command's invocation id.
#}
{% macro cutoff_record_built_digest() %}
    {%- if cutoff_has_children(model.unique_id) and cutoff_in_place_plan(this) -%}
        {%- set digest = cutoff_digest(this) -%}
        {% call statement('cutoff_record') -%}
            insert into ops.refresh_models
                (refresh_id, model, outcome, row_count, digest, relation_oid)
            values (
                '{{ invocation_id }}', '{{ model.unique_id }}', 'rebuilt',
                {{ digest[0] }}, '{{ digest[1] }}',
                to_regclass('{{ this.include(database=false) }}')::oid
            )
        {%- endcall %}
        {% do adapter.commit() %}
    {%- endif -%}
{% endmacro %}


{#
    Row count and an order-free digest of every row: equal before and after, same rows.
    Each row is hashed column by column with its type's own hash (hash_record_extended),
    not through its text (twice as fast: the text of a row was most of a digest's cost),
    so equal values hash alike: 1.0 and 1.00, which the models' casts to fixed types
    make the same downstream.
#}
{% macro cutoff_digest(relation) %}
    {%- set result = run_query(
        "select count(*), coalesce(sum(hash_record_extended(t, 0)), 0)::text"
        ~ " from " ~ relation ~ " as t"
    ) -%}
    {{ return([result.rows[0][0] | int, result.rows[0][1]]) }}
{% endmacro %}


{#
    ``digest``: the table's, as this refresh left it; recorded with its OID for the next
    refresh's "before" (cutoff_recorded_digest).
#}
{% macro cutoff_record(outcome, row_count=none, digest=none) %}
    {% call statement('cutoff_record') -%}
        insert into ops.refresh_models (refresh_id, model, outcome, row_count, digest, relation_oid)
        values (
            '{{ refresh_id() }}',
            '{{ model.unique_id }}',
            '{{ outcome }}',
            {{ 'null' if row_count is none else row_count }},
            {{ 'null' if digest is none else "'" ~ digest ~ "'" }},
            {{ 'null' if digest is none else "to_regclass('" ~ this.include(database=false)
                ~ "')::oid" }}
        )
    {%- endcall %}
    {% do adapter.commit() %}
{% endmacro %}
