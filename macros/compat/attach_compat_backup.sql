{#-
    on-run-start: when a cleanup names the verified backup of the player DB (compat_facts()
    backup_path), attach it read-only as `phase5_backup`: the phase-5 checklist compares the
    views with the rows it holds. The path is data, quoted as an SQL string.
-#}
{% macro attach_compat_backup() %}
    {%- set path = compat_facts().get('backup_path') -%}
    {%- if execute and path -%}
        {%- do run_query('attach if not exists ' ~ sql_string(path) ~ ' as phase5_backup (read_only)') -%}
        {#- an ATTACH inside the hook's transaction is undone when dbt rolls it back -#}
        {%- do adapter.commit() -%}
    {%- endif -%}
    select 1
{% endmacro %}
