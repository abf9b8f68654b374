{#- The name of the index on `columns` of `table_name` (one naming rule for hooks and checks). -#}
{% macro index_name(table_name, columns) %}
    {{- table_name ~ '__' ~ columns | join('__') ~ '_idx' -}}
{% endmacro %}
