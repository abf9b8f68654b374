-- Phase 5: the player DB has views named match_participants, highlight_events and
-- xuid_aliases, with exactly the columns (names, order, types) the tables had in the backup.
{{ config(tags=['checklist_phase5']) }}

{%- set backup = compat_cleanup_backup('phase5_backup_columns') %}
{%- set catalog = compat_player_catalog() %}

{%- if backup is none %}

    select 'no complete backup: cannot compare the views with the original tables' as problem

{%- else %}

    with original_columns as (
        select
            table_name,
            ordinal_position,
            column_name,
            data_type
        from information_schema.columns
        where
            table_catalog = 'phase5_backup_columns'
            and table_schema = 'main'
            and table_name in ('match_participants', 'highlight_events', 'xuid_aliases')
    ),

    player_views as (
        select view_name
        from duckdb_views()
        where database_name = '{{ catalog }}' and schema_name = 'main'
    ),

    view_columns as (
        select
            columns.table_name,
            columns.ordinal_position,
            columns.column_name,
            columns.data_type
        from information_schema.columns as columns
        inner join player_views
            on columns.table_name = player_views.view_name
        where
            columns.table_catalog = '{{ catalog }}'
            and columns.table_schema = 'main'
            and columns.table_name in ('match_participants', 'highlight_events', 'xuid_aliases')
    ),

    expected_views as (
        select distinct table_name from original_columns
    ),

    missing_views as (
        select expected_views.table_name || ' is not a view' as problem
        from expected_views
        left join player_views
            on expected_views.table_name = player_views.view_name
        where player_views.view_name is null
    ),

    column_differences as (
        select
            coalesce(original_columns.table_name, view_columns.table_name) || ' column '
            || coalesce(original_columns.column_name, view_columns.column_name) || ': '
            || coalesce(original_columns.data_type, 'absent') || ' in the backup, '
            || coalesce(view_columns.data_type, 'absent') || ' in the view' as problem
        from original_columns
        left join view_columns
            on
                original_columns.table_name = view_columns.table_name
                and original_columns.ordinal_position = view_columns.ordinal_position
                and original_columns.column_name = view_columns.column_name
                and original_columns.data_type = view_columns.data_type
        where view_columns.table_name is null
        union all
        select
            view_columns.table_name || ' column ' || view_columns.column_name
            || ': in the view, not in the original table' as problem
        from view_columns
        left join original_columns
            on
                view_columns.table_name = original_columns.table_name
                and view_columns.column_name = original_columns.column_name
        where original_columns.table_name is null
    ),

    problems as (
        select * from missing_views
        union all
        select * from column_differences
    )

    select * from problems

{%- endif %}
