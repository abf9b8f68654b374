-- Phase 1: every shared table exists (as a table, not a view) in the warehouse. One row per
-- table compared; the rows with a problem are the failures.
{{ config(
    tags=['checklist_phase1'],
    fail_calc='count(problem)',
    meta={'compares': 'shared tables declared in var shared_tables'},
) }}
-- runs after the shared tables (and their index post-hooks) in `dbt build --selector phase1`
-- depends_on:
{%- for table_name in var('shared_tables') %}
--   {{ ref(table_name) }}
{%- endfor %}

with expected as (
    select unnest({{ var('shared_tables') }}) as table_name
),

present as (
    select table_name
    from duckdb_tables()
    where database_name = '{{ target.database }}' and schema_name = '{{ target.schema }}'
),

compared as (
    select
        expected.table_name,
        case when present.table_name is null then 'table missing' end as problem
    from expected
    left join present on expected.table_name = present.table_name
)

select * from compared
