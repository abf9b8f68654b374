{#-
    true when this run reads the landing DB: the environment variable HALO_LANDING is 1, or
    --vars '{landing: true}'. Otherwise the halo_api staging models are empty relations.
-#}
{% macro landing_enabled() %}
    {%- set wanted = var('landing', false) -%}
    {{- return(env_var('HALO_LANDING', '') == '1' or wanted in [true, 'true', 'True', 1, '1']) -}}
{% endmacro %}
