{#- The landing DB file: <data dir>/landing/halo_api.duckdb (the data dir as profiles.yml finds it). -#}
{% macro landing_db_path() %}
    {%- set data_dir = env_var('HALO_DATA_DIR', env_var('HALO_PROJECT_ROOT', '.') ~ '/data') -%}
    {{- return(data_dir ~ '/landing/halo_api.duckdb') -}}
{% endmacro %}
