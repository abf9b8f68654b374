{#-
    on-run-start: when a player DB is attached (--vars '{player: ...}'), check that it has
    every table and required column the player_db sources declare, and stop the run with one
    message naming the file and everything missing. (The staging models check again, but dbt
    hides errors raised while compiling ephemeral models.)
-#}
{% macro check_player_db() %}
    {%- if execute and player() is not none -%}
        {%- set problems = [] -%}
        {%- for node in graph.sources.values() if node.source_name == 'player_db' -%}
            {%- set relation = source('player_db', node.name) -%}
            {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
            {%- if present | length == 0 -%}
                {%- do problems.append("table '" ~ node.name ~ "' is missing") -%}
            {%- else -%}
                {%- set missing = [] -%}
                {%- for col in node.columns.values() -%}
                    {%- if col.name not in present and not col.meta.get('optional') -%}
                        {%- do missing.append(col.name) -%}
                    {%- endif -%}
                {%- endfor -%}
                {%- if missing -%}
                    {%- do problems.append("table '" ~ node.name ~ "' lacks column(s) " ~ missing | join(', ')) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if problems -%}
            {{ exceptions.raise_compiler_error(
                "Player DB " ~ player_db_path() ~ " is not a complete v4 DB: "
                ~ problems | join('; ') ~ ".") }}
        {%- endif -%}
    {%- endif -%}
    select 1
{% endmacro %}
