{#-
    The columns of one player_db source table, cast to the types its YAML declares.
    - A column tagged meta.optional that the attached DB lacks becomes a typed NULL.
    - A missing table or required column raises an error naming the file and what is missing.
    - Without a player (phase 1) it returns an empty, typed relation so the shared tables can
      be created empty.
    The model still calls source() so the lineage shows the source table.
-#}
{% macro select_player_table(table_name) %}
    {%- set relation = source('player_db', table_name) -%}
    {%- if not execute -%}
        select 1 as parse_placeholder
    {%- else -%}
        {%- set node = graph.sources['source.' ~ project_name ~ '.player_db.' ~ table_name] -%}
        {%- set expected = node.columns.values() | list -%}
        {%- if player() is none -%}
            {%- set exprs = [] -%}
            {%- for col in expected -%}
                {%- do exprs.append('cast(null as ' ~ col.data_type ~ ') as ' ~ col.name) -%}
            {%- endfor -%}
            select {{ exprs | join(', ') }}
            where false
        {%- else -%}
            {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
            {%- if present | length == 0 -%}
                {{ exceptions.raise_compiler_error(
                    "Player DB " ~ player_db_path() ~ " has no table '" ~ table_name
                    ~ "' (required by the v4 layout).") }}
            {%- endif -%}
            {%- set missing = [] -%}
            {%- set exprs = [] -%}
            {%- for col in expected -%}
                {%- if col.name in present -%}
                    {%- do exprs.append('cast(' ~ adapter.quote(col.name) ~ ' as ' ~ col.data_type ~ ') as ' ~ col.name) -%}
                {%- elif col.meta.get('optional') -%}
                    {%- do exprs.append('cast(null as ' ~ col.data_type ~ ') as ' ~ col.name) -%}
                {%- else -%}
                    {%- do missing.append(col.name) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if missing -%}
                {{ exceptions.raise_compiler_error(
                    "Player DB " ~ player_db_path() ~ ": table '" ~ table_name
                    ~ "' lacks required column(s): " ~ missing | join(', ')) }}
            {%- endif -%}
            select {{ exprs | join(', ') }}
            from {{ relation }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
