{#-
    `columns` of the warehouse table `identifier` as it was before this run (the `warehouse`
    source: a visible dependency in the lineage, no cycle with the model that writes the
    table); an empty relation of those columns before the table exists (phase 1's first build).
-#}
{% macro warehouse_table(identifier, columns) %}
    {%- set relation = source('warehouse', identifier) -%}
    {%- set found = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier
    ) if execute else none -%}
    {%- if found is not none -%}
        select {{ columns | join(', ') }} from {{ relation }}
    {%- else -%}
        {%- set node = graph.sources.get('source.' ~ project_name ~ '.warehouse.' ~ identifier) if execute else none -%}
        {%- set types = {} -%}
        {%- if node is not none -%}
            {%- for column in node.columns.values() -%}
                {%- do types.update({column.name: column.data_type}) -%}
            {%- endfor -%}
        {%- endif -%}
        select
            {%- for column in columns %}
                cast(null as {{ types.get(column, 'varchar') }}) as {{ column }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        where false
    {%- endif -%}
{% endmacro %}
