{#-
    The columns (name, data_type) the v4 table had in this player DB before cleanup dropped it,
    as `shared-matches cleanup` recorded them in compat_original_columns (in the same
    transaction as the drop). Older layouts thus get views with exactly their own columns.
    Before the drop (no record yet), the columns of the live table: the cleanup's gate run
    compiles the views then, and creates them in the same transaction as the drop. Building a
    view over a live table is refused by compat_refuse_table_replacement. With neither (no
    player DB: docs, lint) it gives an empty list; in the compat target that is an error.
-#}
{% macro compat_original_columns(table_name) %}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- set catalog = compat_player_catalog() -%}
    {%- if compat_table_exists('compat_original_columns') -%}
        {%- set found = run_query(
            "select column_name, data_type from " ~ catalog
            ~ ".main.compat_original_columns where table_name = '" ~ table_name
            ~ "' order by column_index"
        ) -%}
    {%- elif compat_table_exists(table_name) -%}
        {%- set found = run_query(
            "select column_name, data_type from information_schema.columns where table_catalog = '"
            ~ catalog ~ "' and table_schema = 'main' and table_name = '" ~ table_name
            ~ "' order by ordinal_position"
        ) -%}
    {%- else -%}
        {%- set found = none -%}
    {%- endif -%}
    {%- if found is not none -%}
        {%- for row in found.rows -%}
            {%- do columns.append({'name': row[0], 'data_type': row[1]}) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if columns | length == 0 and target.name == 'compat' -%}
        {{ exceptions.raise_compiler_error(
            "Player DB of '" ~ (player() or '') ~ "' has neither a table " ~ table_name
            ~ " nor its recorded columns (compat_original_columns): restore it with"
            ~ " `shared-matches restore --player " ~ (player() or '') ~ "`.") }}
    {%- endif -%}
    {{ return(columns) }}
{% endmacro %}
