{#-
    on-run-start: attach the player DB chosen with --vars '{player: <gamertag>}' read-only
    under the fixed alias `player_db` (the `player_db` sources read from it). A missing file
    stops the run with a message naming it. The compat target attaches the DB read-write in
    the profile instead (phase 5 writes views into it).
-#}
{% macro attach_player_db() %}
    {%- if execute and player() is not none and target.name != 'compat' -%}
        {%- set data_dir = env_var('HALO_DATA_DIR', env_var('HALO_PROJECT_ROOT', '.') ~ '/data') -%}
        {%- set path = data_dir ~ '/players/' ~ player() ~ '/stats.duckdb' -%}
        {%- set quoted = "'" ~ path | replace("'", "''") ~ "'" -%}
        {%- set found = run_query('select count(*) from glob(' ~ quoted ~ ')').columns[0].values()[0] -%}
        {%- if found == 0 -%}
            {{ exceptions.raise_compiler_error(
                "No player DB for '" ~ player() ~ "': " ~ path ~ " does not exist. "
                ~ "Check the gamertag (a folder of " ~ data_dir ~ "/players) or HALO_DATA_DIR.") }}
        {%- endif -%}
        {%- do run_query('attach if not exists ' ~ quoted ~ ' as player_db (read_only)') -%}
    {%- endif -%}
    select 1
{% endmacro %}
