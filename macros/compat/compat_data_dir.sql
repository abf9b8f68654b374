{#- The data directory, as the profile builds it (HALO_DATA_DIR, else <project>/data). -#}
{% macro compat_data_dir() %}
    {{- return(env_var('HALO_DATA_DIR', env_var('HALO_PROJECT_ROOT', '.') ~ '/data')) -}}
{% endmacro %}
