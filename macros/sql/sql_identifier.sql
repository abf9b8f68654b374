{#- A name as an SQL quoted identifier (double quotes doubled): a column name read from a player DB is data, never SQL. -#}
{% macro sql_identifier(name) %}
    {{- return('"' ~ (name | string | replace('"', '""')) ~ '"') -}}
{% endmacro %}
