{#-
    True when this run has staged a batch for the shared table `identifier` (asked to DuckDB:
    dbt's relation cache does not know the tables a strategy creates).
-#}
{% macro batch_exists(identifier) %}
    {%- if not execute -%}
        {{- return(false) -}}
    {%- endif -%}
    {%- set batch = batch_relation(identifier) -%}
    {%- set found = run_query(
        "select count(*) from duckdb_tables() where database_name = " ~ sql_string(batch.database)
        ~ " and schema_name = " ~ sql_string(batch.schema)
        ~ " and table_name = " ~ sql_string(batch.identifier)
    ) -%}
    {{- return(found.columns[0].values()[0] > 0) -}}
{% endmacro %}
