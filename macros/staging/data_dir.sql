{#-
    The data directory, as profiles.yml builds the warehouse path from it: HALO_DATA_DIR, else
    <project>/data (the commands run dbt with HALO_DATA_DIR="." and the data dir as working
    directory, so that dbt's partial parsing serves every data dir).
-#}
{% macro data_dir() %}
    {{- return(env_var('HALO_DATA_DIR', env_var('HALO_PROJECT_ROOT', '.') ~ '/data')) -}}
{% endmacro %}
