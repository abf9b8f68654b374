{#-
    Stop a checklist test that cannot check anything in this invocation (a check that compares
    nothing must not pass) with an error saying what to do; nothing when it can check (the
    test calls it with `do`).
    `source` is 'player' (the test reads a player DB) or 'landing'. The staging views the
    tests read live in the run's in-memory scratch database: `dbt test` alone has none,
    `dbt build --selector checklist_phase2` (or checklist_phase3) builds them first.
-#}
{% macro checklist_requires(source) %}
    {%- if not execute or target.name == 'lint' or flags.WHICH not in ['build', 'test'] -%}
        {#- compiled only (docs, compile, lint): nothing runs, nothing to stop -#}
        {{- return(none) -}}
    {%- endif -%}
    {%- if source == 'player' and player() is none -%}
        {{ exceptions.raise_compiler_error(
            "No player DB attached, so this check would compare nothing: name the player "
            ~ "with --vars '{player: <gamertag>}' (or HALO_PLAYER=<gamertag>).") }}
    {%- elif source == 'landing' and not landing_enabled() -%}
        {{ exceptions.raise_compiler_error(
            "No landing DB attached, so this check would compare nothing: run with "
            ~ "--vars '{landing: true}' (or HALO_LANDING=1).") }}
    {%- elif flags.WHICH == 'test' -%}
        {{ exceptions.raise_compiler_error(
            "This checklist reads staging views built in the same run: use "
            ~ "`dbt build --selector checklist_phase2` (or checklist_phase3), not dbt test.") }}
    {%- endif -%}
    {{- return(none) -}}
{% endmacro %}
