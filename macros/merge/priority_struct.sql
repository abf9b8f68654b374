{#- The priority of a row as a struct of `columns` (compared field by field, in order). -#}
{% macro priority_struct(relation, columns) %}
    {%- set fields = [] -%}
    {%- for column in columns -%}
        {%- do fields.append("'" ~ column ~ "': " ~ relation ~ "." ~ column) -%}
    {%- endfor -%}
    {{- return('{' ~ fields | join(', ') ~ '}') -}}
{% endmacro %}
