{#-
    The one failing row of a phase-5 checklist test that has nothing to check in this
    invocation, or none: the checklist needs the facts of a cleanup (HALO_COMPAT_FACTS, which
    `shared-matches cleanup` passes; `shared-matches cleanup --verify --player X` runs the
    checklist of a cleaned DB again) and, for `needs_backup`, the verified backup.
-#}
{% macro compat_unable(needs_backup=true) %}
    {%- set facts = compat_facts() -%}
    {%- if target.name == 'lint' -%}
        {{- return(none) -}}
    {%- elif player() is none or not facts.get('columns') -%}
        {{- return("select 'no cleanup facts: run `shared-matches cleanup --verify --player <gamertag>`, which passes them (player, original columns, backup)' as problem") -}}
    {%- elif needs_backup and not facts.get('backup_path') -%}
        {{- return("select 'no backup named in the cleanup facts: the checklist compares the views with the verified backup' as problem") -}}
    {%- endif -%}
    {{- return(none) -}}
{% endmacro %}
