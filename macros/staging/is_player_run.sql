{#- true when a player DB is attached for this run (--vars '{player: ...}'); phase 1 runs without one. -#}
{% macro is_player_run() %}
    {{- 'true' if player() is not none else 'false' -}}
{% endmacro %}
