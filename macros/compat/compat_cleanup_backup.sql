{#-
    The backup the player's cleanup took, attached read-only under `alias` for a phase-5 check.
    Which backup: the one recorded in the player DB's compat_original_columns (the drop
    records it), else the latest complete pre-cleanup backup. A backup is complete when its
    folder holds stats.duckdb and manifest.json (written only after verification).
    Returns none when there is no such backup; else a dict: backup_id, db_path, manifest,
    tables (the backup's base tables).
-#}
{% macro compat_cleanup_backup(alias) %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set folder = compat_data_dir() ~ '/backups/' ~ (player() or '') -%}
    {%- set backup_id = none -%}
    {%- if compat_table_exists('compat_original_columns') -%}
        {%- set recorded = run_query(
            "select min(backup_id) from " ~ compat_player_catalog() ~ ".main.compat_original_columns"
        ) -%}
        {%- set backup_id = recorded.rows[0][0] -%}
    {%- endif -%}
    {%- if backup_id is none -%}
        {%- set manifests = run_query(
            "select file from glob('" ~ folder ~ "/*/manifest.json') order by file desc"
        ) -%}
        {%- for row in manifests.rows -%}
            {%- set kind = run_query(
                "select json_extract_string(content, '$.kind') from read_text('" ~ row[0] ~ "')"
            ) -%}
            {%- if backup_id is none and kind.rows[0][0] == 'pre-cleanup' -%}
                {%- set backup_id = row[0].split('/')[-2] -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if backup_id is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set db_path = folder ~ '/' ~ backup_id ~ '/stats.duckdb' -%}
    {%- set manifest = folder ~ '/' ~ backup_id ~ '/manifest.json' -%}
    {%- set files = run_query(
        "select count(*) from glob('" ~ db_path ~ "') union all select count(*) from glob('"
        ~ manifest ~ "')"
    ) -%}
    {%- if files.rows[0][0] == 0 or files.rows[1][0] == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- do run_query("attach if not exists '" ~ db_path ~ "' as " ~ alias ~ " (read_only)") -%}
    {%- set tables = run_query(
        "select table_name from duckdb_tables() where database_name = '" ~ alias
        ~ "' and schema_name = 'main' order by table_name"
    ) -%}
    {{ return({
        'backup_id': backup_id,
        'db_path': db_path,
        'manifest': manifest,
        'tables': tables.columns[0].values() | list,
    }) }}
{% endmacro %}
