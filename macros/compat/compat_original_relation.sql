{#-
    Where the rows a compatibility view must give back are read from: the player DB's own table
    before the cleanup drops it (the gate), the verified backup afterwards (the checklist).
-#}
{% macro compat_original_relation(table_name) %}
    {%- set catalog = 'phase5_backup' if compat_facts().get('backup_path') else 'player_db' -%}
    {{- return(catalog ~ '.main.' ~ adapter.quote(table_name)) -}}
{% endmacro %}
