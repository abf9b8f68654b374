-- Phase 5: the cleanup's backup exists and is complete: its file opens, holds the tables its
-- manifest lists with the same row counts, and for the three dropped tables as many rows as
-- the player DB had when they were dropped (recorded in compat_original_columns).
{{ config(tags=['checklist_phase5']) }}

{%- set backup = compat_cleanup_backup('phase5_backup_complete') %}
{%- set catalog = compat_player_catalog() %}

{%- if backup is none %}

    select
        'no complete backup of {{ (player() or '') }} under '
        || '{{ compat_data_dir() }}/backups' as problem

{%- else %}

    with manifest as (
        select cast(content as json) as doc
        from read_text('{{ backup.manifest }}')
    ),

    manifest_tables as (
        select
            unnest(json_keys(doc -> 'row_counts')) as table_name,
            doc
        from manifest
    ),

    manifest_counts as (
        select
            table_name,
            cast(doc -> 'row_counts' ->> table_name as bigint) as manifest_rows
        from manifest_tables
    ),

    backup_counts as (
        {%- for table_name in backup.tables %}
            select
                '{{ table_name }}' as table_name,
                count(*) as backup_rows
            from phase5_backup_complete.main."{{ table_name }}"
            {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    ),

    {%- if compat_table_exists('compat_original_columns') %}
        dropped_counts as (
            select
                table_name,
                max(row_count) as dropped_rows
            from {{ catalog }}.main.compat_original_columns
            group by table_name
        ),
    {%- else %}
        dropped_counts as (
            select
                cast(null as varchar) as table_name,
                cast(null as bigint) as dropped_rows
            where false
        ),
    {%- endif %}

    compared as (
        select
            coalesce(backup_counts.table_name, manifest_counts.table_name) as table_name,
            backup_counts.backup_rows,
            manifest_counts.manifest_rows,
            dropped_counts.dropped_rows
        from backup_counts
        full outer join manifest_counts
            on backup_counts.table_name = manifest_counts.table_name
        left join dropped_counts
            on coalesce(backup_counts.table_name, manifest_counts.table_name)
            = dropped_counts.table_name
    ),

    problems as (
        select
            'backup {{ backup.backup_id }}: ' || table_name || ' has '
            || coalesce(cast(backup_rows as varchar), 'no table') || ' rows, manifest '
            || coalesce(cast(manifest_rows as varchar), 'none') || ', dropped table had '
            || coalesce(cast(dropped_rows as varchar), 'n/a') as problem
        from compared
        where
            backup_rows is distinct from manifest_rows
            or (dropped_rows is not null and backup_rows is distinct from dropped_rows)
    )

    select * from problems

{%- endif %}
