{#-
    The player's xuid as a SQL literal, read at build time from the attached player DB:
    sync_meta's `xuid` key, else the single xuid of player_match_stats. The views filter the
    warehouse through match_players with this literal, so they do not depend on the name the
    player DB's catalog has when the app opens it.
    Outside the compat target, with no player DB to read (docs, lint, parsing), it gives ''
    (an xuid that matches nothing).
-#}
{% macro compat_player_xuid() %}
    {%- if not execute -%}
        {{ return("''") }}
    {%- endif -%}
    {%- set catalog = compat_player_catalog() -%}
    {%- set xuid = none -%}
    {%- if compat_table_exists('sync_meta') -%}
        {%- set found = run_query(
            "select value from " ~ catalog ~ ".main.sync_meta where key = 'xuid' and value is not null"
        ) -%}
        {%- if found.rows | length > 0 -%}
            {%- set xuid = found.rows[0][0] -%}
        {%- endif -%}
    {%- endif -%}
    {%- if xuid is none and compat_table_exists('player_match_stats') -%}
        {%- set found = run_query(
            "select distinct xuid from " ~ catalog ~ ".main.player_match_stats where xuid is not null"
        ) -%}
        {%- if found.rows | length == 1 -%}
            {%- set xuid = found.rows[0][0] -%}
        {%- endif -%}
    {%- endif -%}
    {%- if xuid is none -%}
        {%- if target.name == 'compat' -%}
            {{ exceptions.raise_compiler_error(
                "Player DB of '" ~ (player() or '') ~ "': no owner xuid in sync_meta "
                ~ "or player_match_stats; cannot filter the warehouse to its matches.") }}
        {%- endif -%}
        {{ return("''") }}
    {%- endif -%}
    {{ return("'" ~ (xuid | string | replace("'", "''")) ~ "'") }}
{% endmacro %}
