{#-
    on-run-start: when a cleanup names the verified backup of the player DB (compat_facts()
    backup_path), attach it read-only as `phase5_backup`: the phase-5 checklist compares the
    views with the rows it holds. The path is data, quoted as an SQL string.
-#}
{% macro attach_compat_backup() %}
    {%- set path = compat_facts().get('backup_path') -%}
    {%- if execute and path -%}
        {%- do attach_read_only(path, 'phase5_backup') -%}
    {%- endif -%}
    select 1
{% endmacro %}
