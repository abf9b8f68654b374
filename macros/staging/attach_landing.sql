{#-
    on-run-start (and the halo_api staging models, for commands that run no hooks such as
    dbt show): when landing_enabled(), attach the landing DB read-only under the alias
    `landing` (the `halo_api` sources read from it). A missing file stops the run with a
    message naming it. Attaching twice is a no-op. The path is data, quoted as an SQL string.
-#}
{% macro attach_landing() %}
    {%- if execute and landing_enabled() -%}
        {%- set path = landing_db_path() -%}
        {%- set found = run_query(
            'select count(*) from glob(' ~ sql_string(glob_literal(path)) ~ ')'
        ).columns[0].values()[0] -%}
        {%- if found == 0 -%}
            {{ exceptions.raise_compiler_error(
                "No landing DB: " ~ shown_path(path) ~ " does not exist. Land the API responses first "
                ~ "(a sync or an ingest), check HALO_DATA_DIR, or unset HALO_LANDING.") }}
        {%- endif -%}
        {%- do run_query('attach if not exists ' ~ sql_string(path) ~ ' as landing (read_only)') -%}
        {#- an ATTACH inside the hook's transaction is undone when dbt rolls it back -#}
        {%- do adapter.commit() -%}
    {%- endif -%}
    select 1
{% endmacro %}
