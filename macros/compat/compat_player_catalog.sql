{#-
    The catalog the player DB is attached under for this run: `player_rw` (read-write) in the
    compat target, which writes the compatibility views; `player_db` (read-only) elsewhere,
    e.g. when the phase-5 checklist runs against the default target.
-#}
{% macro compat_player_catalog() %}
    {{- return('player_rw' if target.name == 'compat' else 'player_db') -}}
{% endmacro %}
