{#-
    on-run-start (and the halo_api staging models, for commands that run no hooks such as
    dbt show): when landing_enabled(), attach the landing DB read-only under the alias
    `landing` (the `halo_api` sources read from it). A missing file stops the run with a
    message naming it. Attaching twice is a no-op.
-#}
{% macro attach_landing() %}
    {%- if execute and landing_enabled() -%}
        {%- set path = landing_db_path() -%}
        {%- set quoted = "'" ~ path | replace("'", "''") ~ "'" -%}
        {%- set found = run_query('select count(*) from glob(' ~ quoted ~ ')').columns[0].values()[0] -%}
        {%- if found == 0 -%}
            {{ exceptions.raise_compiler_error(
                "No landing DB: " ~ path ~ " does not exist. Land the API responses first "
                ~ "(a sync or an ingest), check HALO_DATA_DIR, or unset HALO_LANDING.") }}
        {%- endif -%}
        {%- do run_query('attach if not exists ' ~ quoted ~ ' as landing (read_only)') -%}
    {%- endif -%}
    select 1
{% endmacro %}
