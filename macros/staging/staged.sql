{#-
    A staging model as an intermediate model reads it: the model itself when this invocation
    builds it, else an empty relation of its declared columns. A run reads one source: a
    player DB (phase 2) or the landing (phase 3); its selector leaves the other source's
    staging views out, and the models downstream read nothing of it. The ref() keeps the
    lineage (and dbt's order) whatever the run.
-#}
{% macro staged(relation) %}
    {%- if relation is string -%}
        {#- a dbt unit test gives its fixture: the fixture it is -#}
        {{- return(relation) -}}
    {%- endif -%}
    {%- set unique_id = 'model.' ~ project_name ~ '.' ~ relation.identifier -%}
    {%- if not execute or unique_id in selected_resources -%}
        {{- return(relation) -}}
    {%- endif -%}
    {%- set node = graph.get('nodes', {}).get(unique_id) -%}
    {%- if node is none -%}
        {{- return(relation) -}}
    {%- endif -%}
    {%- set columns = [] -%}
    {%- for column in node.columns.values() -%}
        {%- do columns.append('cast(null as ' ~ column.data_type ~ ') as ' ~ column.name) -%}
    {%- endfor -%}
    {{- return('(select ' ~ columns | join(', ') ~ ' where false)') -}}
{% endmacro %}
