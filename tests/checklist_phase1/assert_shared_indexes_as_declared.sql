-- Phase 1: the shared tables have exactly the indexes the project declares. Every primary key
-- of a model's contract exists (an ART index on a small table), every secondary index listed
-- in var('shared_indexes') exists, and no other index does: highlight_events, the big table,
-- has none (its reads are served by its (match_id, time_ms) order and DuckDB's zone maps).
{{ config(tags=['checklist_phase1']) }}
-- depends_on:
{%- for table_name in var('shared_tables') %}
--   {{ ref(table_name) }}
{%- endfor %}

{%- set primary_keys = [] %}
{%- for table_name in var('shared_tables') %}
    {%- set node = graph.nodes.get('model.' ~ project_name ~ '.' ~ table_name) if execute else none %}
    {%- if node is not none %}
        {%- for constraint in node.constraints if constraint.type == 'primary_key' %}
            {%- do primary_keys.append((table_name, constraint.columns | join(', '))) %}
        {%- endfor %}
    {%- endif %}
{%- endfor %}
{%- set secondary = [] %}
{%- for table_name, index_list in var('shared_indexes').items() %}
    {%- for columns in index_list %}
        {%- do secondary.append((table_name, index_name(table_name, columns))) %}
    {%- endfor %}
{%- endfor %}

with expected_keys as (
    select
        cast(null as varchar) as table_name,
        cast(null as varchar) as key_columns
    where false
    {%- for table_name, columns in primary_keys %}
        union all
        select
            '{{ table_name }}' as table_name,
            '{{ columns }}' as key_columns
    {%- endfor %}
),

expected_indexes as (
    select
        cast(null as varchar) as table_name,
        cast(null as varchar) as index_name
    where false
    {%- for table_name, name in secondary %}
        union all
        select
            '{{ table_name }}' as table_name,
            '{{ name }}' as index_name
    {%- endfor %}
),

present_keys as (
    select
        table_name,
        array_to_string(constraint_column_names, ', ') as key_columns
    from duckdb_constraints()
    where
        database_name = '{{ target.database }}'
        and schema_name = '{{ target.schema }}'
        and constraint_type = 'PRIMARY KEY'
),

present_indexes as (
    select
        table_name,
        index_name
    from duckdb_indexes()
    where database_name = '{{ target.database }}' and schema_name = '{{ target.schema }}'
),

missing_keys as (
    select expected_keys.table_name || ': primary key (' || expected_keys.key_columns || ') missing' as problem
    from expected_keys
    left join present_keys
        on
            expected_keys.table_name = present_keys.table_name
            and expected_keys.key_columns = present_keys.key_columns
    where present_keys.table_name is null
),

missing_indexes as (
    select expected_indexes.table_name || ': index ' || expected_indexes.index_name || ' missing' as problem
    from expected_indexes
    left join present_indexes
        on
            expected_indexes.table_name = present_indexes.table_name
            and expected_indexes.index_name = present_indexes.index_name
    where present_indexes.index_name is null
),

unexpected_indexes as (
    select present_indexes.table_name || ': index ' || present_indexes.index_name || ' is not declared' as problem
    from present_indexes
    left join expected_indexes
        on
            present_indexes.table_name = expected_indexes.table_name
            and present_indexes.index_name = expected_indexes.index_name
    where expected_indexes.index_name is null
),

problems as (
    select * from missing_keys
    union all
    select * from missing_indexes
    union all
    select * from unexpected_indexes
)

select * from problems
