{#-
    on-run-start: attach the player DB chosen with HALO_PLAYER (what the commands set) or
    --vars '{player: <gamertag>}' read-only under the fixed alias `player_db` (the `player_db`
    sources read from it). A missing file stops the run with a message naming it. The gamertag
    and the path are data: quoted as SQL strings, never rendered as SQL or Jinja.
-#}
{% macro attach_player_db() %}
    {%- if execute and player() is not none -%}
        {%- set path = data_dir() ~ '/players/' ~ player() ~ '/stats.duckdb' -%}
        {%- set found = run_query(
            'select count(*) from glob(' ~ sql_string(glob_literal(path)) ~ ')'
        ).columns[0].values()[0] -%}
        {%- if found == 0 -%}
            {{ exceptions.raise_compiler_error(
                "No player DB for '" ~ player() ~ "': " ~ shown_path(path) ~ " does not exist. "
                ~ "Check the gamertag (a folder of " ~ shown_path(data_dir() ~ "/players")
                ~ ") or HALO_DATA_DIR.") }}
        {%- endif -%}
        {%- do run_query('attach if not exists ' ~ sql_string(path) ~ ' as player_db (read_only)') -%}
        {#- an ATTACH inside the hook's transaction is undone when dbt rolls it back -#}
        {%- do adapter.commit() -%}
    {%- endif -%}
    select 1
{% endmacro %}
