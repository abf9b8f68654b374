-- Phase 5: the views have exactly the columns (names, order, types) the tables had in the
-- verified backup.
{{ config(tags=['checklist_phase5']) }}

{%- set unable = compat_unable() %}
{%- if unable %}

    {{ unable }}

{%- else %}

    {%- for side, catalog in [('original', 'phase5_backup'), ('view', 'player_db')] %}

        {{ 'with ' if loop.first }}{{ side }}_columns as (
            select
                table_name,
                ordinal_position,
                column_name,
                data_type
            from information_schema.columns
            where
                table_catalog = {{ sql_string(catalog) }}
                and table_schema = 'main'
                and table_name in {{ sql_string_list(var('moved_tables')) }}
        ),
    {%- endfor %}

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
