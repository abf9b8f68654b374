{#- The landing DB file: <data dir>/landing/halo_api.duckdb. -#}
{% macro landing_db_path() %}
    {{- return(data_dir() ~ '/landing/halo_api.duckdb') -}}
{% endmacro %}
