-- Phase 5: the verified backup the cleanup took holds every table of the player DB, with the
-- row counts recorded when the tables were dropped (compat_original_columns.row_count).
{{ config(tags=['checklist_phase5']) }}

{%- set unable = compat_unable() %}
{%- if unable %}

    {{ unable }}

{%- else %}

    with recorded as (
        select
            table_name,
            max(row_count) as dropped_rows
        from player_db.main.{{ var('compat_record_table') }}
        group by table_name
    ),

    backup_counts as (
        {%- for table_name in var('moved_tables') %}
            select
                {{ sql_string(table_name) }} as table_name,
                count(*) as backup_rows
            from phase5_backup.main.{{ adapter.quote(table_name) }}
            {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    ),

    problems as (
        select
            coalesce(backup_counts.table_name, recorded.table_name) || ': '
            || coalesce(cast(backup_counts.backup_rows as varchar), 'no table') || ' rows in the backup, '
            || coalesce(cast(recorded.dropped_rows as varchar), 'none recorded') || ' dropped' as problem
        from backup_counts
        full outer join recorded
            on backup_counts.table_name = recorded.table_name
        where backup_counts.backup_rows is distinct from recorded.dropped_rows
    )

    select * from problems

{%- endif %}
