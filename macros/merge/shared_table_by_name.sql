{#-
    `columns` (a dict: name -> type) of the warehouse's table `identifier`, read by name rather
    than ref(): for a model upstream of that table (a ref would be a cycle). An empty relation
    of those columns when the table does not exist yet or `when` is false.
-#}
{% macro shared_table_by_name(identifier, columns, when=true) -%}
    {%- set relation = adapter.get_relation(
        database=target.database, schema=target.schema, identifier=identifier) if execute else none -%}
    {%- if relation is not none and when -%}
        select {{ columns.keys() | join(', ') }} from {{ relation }}
    {%- else -%}
        select {% for name, type in columns.items() %}cast(null as {{ type }}) as {{ name }}{% if not loop.last %}, {% endif %}{% endfor %} where false
    {%- endif -%}
{%- endmacro %}
