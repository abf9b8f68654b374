{#-
    The one failing row of a checklist test that cannot check anything in this invocation (a
    check that compares nothing must not pass), or none when it can. `source` is 'player' (the
    test reads a player DB) or 'landing'. The player's staging views live in the run's
    in-memory scratch database: `dbt test` alone has none, `dbt build --selector
    checklist_phase2` builds them first.
-#}
{% macro checklist_unable(source) %}
    {%- if source == 'player' and player() is none -%}
        {{- return("select 'no player DB attached: name the player to check with --vars ''{player: <gamertag>}'' (or HALO_PLAYER=<gamertag>)' as problem") -}}
    {%- elif source == 'landing' and not landing_enabled() -%}
        {{- return("select 'no landing DB attached: run with --vars ''{landing: true}'' (or HALO_LANDING=1)' as problem") -}}
    {%- elif execute and flags.WHICH == 'test' -%}
        {{- return("select 'the checklist reads staging views built in the same run: use dbt build --selector checklist_phase2 (or checklist_phase3), not dbt test' as problem") -}}
    {%- endif -%}
    {{- return(none) -}}
{% endmacro %}
