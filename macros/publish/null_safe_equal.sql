{#- `a.k1 is not distinct from b.k1 and ...` over the key columns (a NULL part matches a NULL). -#}
{% macro null_safe_equal(left, right, columns) %}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append(left ~ '.' ~ column ~ ' is not distinct from ' ~ right ~ '.' ~ column) -%}
    {%- endfor -%}
    {{- return(parts | join(' and ')) -}}
{% endmacro %}
