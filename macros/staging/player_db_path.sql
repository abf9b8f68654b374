{#- The file attached as player_db, for messages (raw text: quote it with sql_string in SQL). -#}
{% macro player_db_path() %}
    {%- set result = run_query("select path from duckdb_databases() where database_name = 'player_db'") -%}
    {%- if result and result.rows | length > 0 and result.rows[0][0] -%}
        {{ return(shown_path(result.rows[0][0])) }}
    {%- endif -%}
    {{ return("of player " ~ (player() or '') | string) }}
{% endmacro %}
