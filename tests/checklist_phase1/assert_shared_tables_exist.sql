-- Phase 1: every shared table exists (as a table, not a view) in the warehouse.
{{ config(tags=['checklist_phase1']) }}
-- runs after the shared tables (and their index post-hooks) in `dbt build --selector phase1`
-- depends_on:
{%- for table_name in var('shared_tables') %} {{ ref(table_name) }}{% endfor %}

with expected as (
    select unnest({{ var('shared_tables') }}) as table_name
),

present as (
    select table_name
    from duckdb_tables()
    where database_name = '{{ target.database }}' and schema_name = '{{ target.schema }}'
),

missing as (
    select expected.table_name
    from expected
    left join present on expected.table_name = present.table_name
    where present.table_name is null
)

select * from missing
