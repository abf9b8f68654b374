{#- True when this run reads the landing DB (HALO_LANDING=1, or --vars '{landing: true}'). -#}
{% macro landing_attached() %}
    {{- return(var('landing', false) in [true, 'true', '1', 1] or env_var('HALO_LANDING', '') == '1') -}}
{% endmacro %}
