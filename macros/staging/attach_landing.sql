{#-
    on-run-start (and the halo_api staging models, for commands that run no hooks such as
    dbt show): when landing_enabled(), attach the landing DB read-only under the alias
    `landing` (the `halo_api` sources read from it). A missing file stops the run with a
    message naming it. Attaching twice is a no-op. The path is data, quoted as an SQL string.
-#}
{% macro attach_landing() %}
    {%- if execute and landing_enabled() -%}
        {%- set path = landing_db_path() -%}
        {%- do attach_read_only(path, 'landing',
            "No landing DB: " ~ shown_path(path) ~ " does not exist. Land the API responses first "
            ~ "(a sync or an ingest), check HALO_DATA_DIR, or unset HALO_LANDING.") -%}
    {%- endif -%}
    select 1
{% endmacro %}
