{#-
    True when a phase-2 checklist test runs inside `dbt build` (a player's merge): it then
    checks the matches this run merged (int_matches_changed) only. Every earlier copy was
    checked by the run that merged it, and a merge never deletes a warehouse row, so the
    batch is what can have gone wrong. `dbt test --selector checklist_phase2` checks every
    match of the player.
-#}
{% macro run_batch_only() %}
    {{- return(flags.WHICH == 'build') -}}
{% endmacro %}
