{#- A value as an SQL string literal (quotes doubled): names and paths are data, never SQL. -#}
{% macro sql_string(value) %}
    {{- return("'" ~ (value | string | replace("'", "''")) ~ "'") -}}
{% endmacro %}
