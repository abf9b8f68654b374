{#-
    The columns of one halo_api source table, cast to the types its YAML declares.
    - With the landing attached (landing_enabled()) it reads the table; in a build that merges,
      a table with a match_id keeps only the rows of the matches landing_batch_match_ids()
      names (and the rows of no match: history pages, assets, users).
    - Without it, it returns an empty relation with the same typed columns, so the models
      downstream of the halo_api staging models always compile.
    The model still calls source() so the lineage shows the source table.
-#}
{% macro landing_table(table_name) %}
    {%- set relation = source('halo_api', table_name) -%}
    {%- if not execute -%}
        select 1 as parse_placeholder
    {%- else -%}
        {%- set node = graph.sources['source.' ~ project_name ~ '.halo_api.' ~ table_name] -%}
        {%- set attached = landing_enabled() -%}
        {%- if attached -%}
            {%- do attach_landing() -%}
        {%- endif -%}
        {%- set exprs = [] -%}
        {%- for col in node.columns.values() -%}
            {%- set value = adapter.quote(col.name) if attached else 'null' -%}
            {%- do exprs.append('cast(' ~ value ~ ' as ' ~ col.data_type ~ ') as ' ~ col.name) -%}
        {%- endfor -%}
        {%- set has_match_id = node.columns.values() | selectattr('name', 'equalto', 'match_id') | list -%}
        {%- set batch = landing_batch_match_ids() if attached and has_match_id else none -%}
        select {{ exprs | join(', ') }}
        {%- if attached %}
            from {{ relation }}
            {%- if batch %}
                where match_id is null or match_id in ({{ batch }})
            {%- endif %}
        {%- else %}
            where false
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
