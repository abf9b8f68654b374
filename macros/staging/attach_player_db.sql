{#-
    on-run-start: attach the player DB chosen with HALO_PLAYER (what the commands set) or
    --vars '{player: <gamertag>}' read-only under the fixed alias `player_db` (the `player_db`
    sources read from it). A missing file stops the run with a message naming it. The gamertag
    and the path are data: quoted as SQL strings, never rendered as SQL or Jinja.
-#}
{% macro attach_player_db() %}
    {%- if execute and player() is not none -%}
        {%- set path = data_dir() ~ '/players/' ~ player() ~ '/stats.duckdb' -%}
        {%- do attach_read_only(path, 'player_db',
            "No player DB for '" ~ player() ~ "': " ~ shown_path(path) ~ " does not exist. "
            ~ "Check the gamertag (a folder of " ~ shown_path(data_dir() ~ "/players")
            ~ ") or HALO_DATA_DIR.") -%}
    {%- endif -%}
    select 1
{% endmacro %}
