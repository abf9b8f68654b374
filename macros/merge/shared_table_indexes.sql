{#-
    Post-hook of the shared tables: create the indexes that var('shared_indexes') lists for
    this table (if they are not there yet). One statement per index, separated by ';'.
-#}
{% macro shared_table_indexes() %}
    {%- set statements = [] -%}
    {%- for columns in var('shared_indexes').get(this.identifier, []) -%}
        {%- do statements.append(
            'create index if not exists ' ~ index_name(this.identifier, columns)
            ~ ' on ' ~ this ~ ' (' ~ columns | join(', ') ~ ')'
        ) -%}
    {%- endfor -%}
    {{- statements | join(';\n') -}}
{% endmacro %}
