{#- Values as a parenthesised list of SQL string literals: ('a', 'b'). -#}
{% macro sql_string_list(values) %}
    {%- set quoted = [] -%}
    {%- for value in values -%}
        {%- do quoted.append(sql_string(value)) -%}
    {%- endfor -%}
    {{- return('(' ~ quoted | join(', ') ~ ')') -}}
{% endmacro %}
