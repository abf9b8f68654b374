{#-
    The last landing response id already merged (merged_sources, source 'halo_api'); responses
    after it are this run's batch. 0 before the first landing merge and with
    --vars '{reprocess: true}' (every landed response is merged again). Rendered as a number,
    so that the scans of the landing skip what was merged.
-#}
{% macro landing_high_water_mark() %}
    {%- if not execute or var('reprocess') or not landing_enabled() -%}
        {{- return(0) -}}
    {%- endif -%}
    {%- set relation = source('warehouse', 'merged_sources') -%}
    {%- set found = adapter.get_relation(
        database=relation.database, schema=relation.schema, identifier=relation.identifier) -%}
    {%- if found is none -%}
        {{- return(0) -}}
    {%- endif -%}
    {%- set result = run_query(
        "select coalesce(max(last_response_id), 0) from " ~ relation
        ~ " where source_id = " ~ sql_string(var('halo_api_source'))) -%}
    {{- return(result.columns[0].values()[0] | int) -}}
{% endmacro %}
