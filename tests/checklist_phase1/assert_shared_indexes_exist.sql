-- Phase 1: every index listed in var('shared_indexes') exists on its table.
{{ config(tags=['checklist_phase1']) }}
-- runs after the shared tables (and their index post-hooks) in `dbt build --selector phase1`
-- depends_on: {{ ref('match_registry') }}, {{ ref('match_players') }}, {{ ref('match_participants') }}
-- depends_on: {{ ref('highlight_events') }}, {{ ref('xuid_aliases') }}

with expected as (
    {%- for table_name, index_list in var('shared_indexes').items() %}
        {%- for columns in index_list %}
            select
                '{{ table_name }}' as table_name,
                '{{ index_name(table_name, columns) }}' as index_name
            {% if not loop.last %}union all{% endif %}
        {%- endfor %}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

present as (
    select
        table_name,
        index_name
    from duckdb_indexes()
    where database_name = '{{ target.database }}'
),

missing as (
    select
        expected.table_name,
        expected.index_name
    from expected
    left join present
        on
            expected.table_name = present.table_name
            and expected.index_name = present.index_name
    where present.index_name is null
)

select * from missing
