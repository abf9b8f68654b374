{#-
    True when a checklist test runs in a build that merges (stages and publishes shared tables):
    it then checks the matches this run merged only. Every earlier copy was checked by the run
    that merged it, and a merge never deletes a warehouse row, so the batch is what can have
    gone wrong. Anywhere else -- `dbt build --selector checklist_phase2`, the cleanup gate --
    every match of the player is checked.
-#}
{% macro run_batch_only() %}
    {%- set merging = [] -%}
    {%- for name in var('shared_tables') -%}
        {%- if ('model.' ~ project_name ~ '.' ~ name) in selected_resources -%}
            {%- do merging.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(flags.WHICH == 'build' and merging | length > 0) -}}
{% endmacro %}
