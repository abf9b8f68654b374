-- Phase 1: shared_matches.duckdb is the database dbt writes to, and it is a file on disk.
{{ config(tags=['checklist_phase1']) }}
-- runs after the shared tables (and their index post-hooks) in `dbt build --selector phase1`
-- depends_on:
{%- for table_name in var('shared_tables') %}
--   {{ ref(table_name) }}
{%- endfor %}

with warehouse as (
    select path
    from duckdb_databases()
    where database_name = '{{ target.database }}'
),

missing as (
    select '{{ target.database }}' as database_name
    where not exists (
        select 1 from warehouse
        where path is not null and path like '%.duckdb'
    )
)

select * from missing
