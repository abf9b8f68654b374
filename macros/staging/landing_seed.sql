{#-
    A seed the halo_api staging models join: the seed itself when the landing is attached,
    else an empty relation with the seed's typed columns (the model is empty then anyway), so
    that a warehouse whose seeds were never loaded still compiles and tests every model.
    The model still calls ref() so the lineage (and dbt build's order) has the seed.
-#}
{% macro landing_seed(seed_name) %}
    {%- set relation = ref(seed_name) -%}
    {%- if not execute -%}
        select 1 as parse_placeholder
    {%- elif landing_enabled() -%}
        select * from {{ relation }}
    {%- else -%}
        {%- set node = graph.nodes['seed.' ~ project_name ~ '.' ~ seed_name] -%}
        {%- set exprs = [] -%}
        {%- for name, type in node.config.column_types.items() -%}
            {%- do exprs.append('cast(null as ' ~ type ~ ') as ' ~ name) -%}
        {%- endfor -%}
        select {{ exprs | join(', ') }}
        where false
    {%- endif -%}
{% endmacro %}
