-- Phase 5: the views have exactly the columns (names, order, types) the tables had in the
-- verified backup.
{{ config(tags=['checklist_phase5']) }}

{%- set unable = compat_unable() %}
{%- if unable %}

    {{ unable }}

{%- else %}

    with original_columns as (
        select
            table_name,
            ordinal_position,
            column_name,
            data_type
        from information_schema.columns
        where
            table_catalog = 'phase5_backup'
            and table_schema = 'main'
            and table_name in {{ sql_string_list(var('moved_tables')) }}
    ),

    view_columns as (
        select
            table_name,
            ordinal_position,
            column_name,
            data_type
        from information_schema.columns
        where
            table_catalog = 'player_db'
            and table_schema = 'main'
            and table_name in {{ sql_string_list(var('moved_tables')) }}
    ),

    differences as (
        select
            coalesce(original_columns.table_name, view_columns.table_name) || ' column '
            || cast(
                coalesce(original_columns.ordinal_position, view_columns.ordinal_position) as varchar
            )
            || ': ' || coalesce(original_columns.column_name || ' ' || original_columns.data_type, 'absent')
            || ' in the backup, '
            || coalesce(view_columns.column_name || ' ' || view_columns.data_type, 'absent')
            || ' in the view' as problem
        from original_columns
        full outer join view_columns
            on
                original_columns.table_name = view_columns.table_name
                and original_columns.ordinal_position = view_columns.ordinal_position
        where
            original_columns.column_name is distinct from view_columns.column_name
            or original_columns.data_type is distinct from view_columns.data_type
    )

    select * from differences

{%- endif %}
