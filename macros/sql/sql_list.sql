{#- A list of numbers as an SQL list: (4, 6). -#}
{% macro sql_list(values) %}
    {{- return('(' ~ values | map('int') | join(', ') ~ ')') -}}
{% endmacro %}
