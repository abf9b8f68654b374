{#-
    The columns (name, data_type) the v4 table had in this player DB before cleanup dropped it,
    as `shared-matches cleanup` recorded them in compat_original_columns (in the same
    transaction as the drop). Older layouts thus get views with exactly their own columns.
    Before the drop, the cleanup compiles the views with the columns passed as
    --vars '{compat_columns: {<table>: [[name, type], ...]}}' (it then creates them in the
    same transaction as the drop). In the compat target a missing record is otherwise an
    error: views are only built by a cleanup, after its gate and backup. Elsewhere (docs) it
    gives an empty list.
-#}
{% macro compat_original_columns(table_name) %}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- set given = var('compat_columns', {}) -%}
    {%- if given.get(table_name) -%}
        {%- for column in given[table_name] -%}
            {%- do columns.append({'name': column[0], 'data_type': column[1]}) -%}
        {%- endfor -%}
    {%- elif compat_table_exists('compat_original_columns') -%}
        {%- set found = run_query(
            "select column_name, data_type from " ~ compat_player_catalog()
            ~ ".main.compat_original_columns where table_name = '" ~ table_name
            ~ "' order by column_index"
        ) -%}
        {%- for row in found.rows -%}
            {%- do columns.append({'name': row[0], 'data_type': row[1]}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if columns | length == 0 and target.name == 'compat' -%}
        {{ exceptions.raise_compiler_error(
            "Player DB of '" ~ var('player', '') ~ "' has no recorded columns for " ~ table_name
            ~ ": run `shared-matches cleanup --player " ~ var('player', '') ~ "`, which checks,"
            ~ " backs up and records the tables before any view is built.") }}
    {%- endif -%}
    {{ return(columns) }}
{% endmacro %}
