{#- True when the attached player DB has a base table of that name in its main schema. -#}
{% macro compat_table_exists(relation_name) %}
    {%- set found = run_query(
        "select count(*) from duckdb_tables() where database_name = '" ~ compat_player_catalog()
        ~ "' and schema_name = 'main' and table_name = '" ~ relation_name ~ "'"
    ) -%}
    {{ return(found.rows[0][0] > 0) }}
{% endmacro %}
