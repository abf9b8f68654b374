{#- The newest response id of the attached landing DB (0 when it is not attached or empty). -#}
{% macro landing_max_response_id() %}
    {%- if not execute or not landing_enabled() -%}
        {{- return(0) -}}
    {%- endif -%}
    {%- set result = run_query(
        "select coalesce(max(response_id), 0) from " ~ source('halo_api', 'responses')) -%}
    {{- return(result.columns[0].values()[0] | int) -}}
{% endmacro %}
