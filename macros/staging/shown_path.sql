{#-
    A path for a message: dbt runs with the data dir as working directory (data_dir() is ".");
    the commands also pass the data dir's absolute path (HALO_DATA_DIR_SHOWN) so that a
    message names the file the user knows.
-#}
{% macro shown_path(path) %}
    {%- set shown = env_var('HALO_DATA_DIR_SHOWN', '') -%}
    {%- if shown and path.startswith(data_dir() ~ '/') -%}
        {{- return(shown ~ path[data_dir() | length:]) -}}
    {%- endif -%}
    {{- return(path) -}}
{% endmacro %}
