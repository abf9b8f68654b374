{#-
    True when a phase-2 checklist test runs in the same `dbt build` as int_matches_changed (a
    player's merge): it then checks the matches this run merged only. Every earlier copy was
    checked by the run that merged it, and a merge never deletes a warehouse row, so the batch
    is what can have gone wrong. Anywhere else -- `dbt test --selector checklist_phase2`, the
    cleanup gate's build of the checklist tests alone -- every match of the player is checked.
-#}
{% macro run_batch_only() %}
    {{- return(
        flags.WHICH == 'build'
        and 'model.shared_matches.int_matches_changed' in selected_resources
    ) -}}
{% endmacro %}
