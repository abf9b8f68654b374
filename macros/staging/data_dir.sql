{#-
    The data directory: the folder above the warehouse folder of the profile's path
    (profiles.yml owns the expression: HALO_DATA_DIR, else <project>/data; the commands run dbt
    with HALO_DATA_DIR="." and the data dir as working directory, so that dbt's partial parsing
    serves every data dir).
-#}
{% macro data_dir() %}
    {{- return(target.path.rsplit('/warehouse/', 1)[0]) -}}
{% endmacro %}
