-- Phase 2: no duplicate key in any shared table; a key with a NULL part counts as a failure
-- (but for the parts of a highlight event's signature that may be NULL). Inside `dbt build`
-- the match-keyed tables are checked, as the run publishes them, for the matches merged by
-- that run (see run_batch_only); xuid_aliases, keyed by xuid, always whole. One row per key
-- compared; the keys with a problem are the failures.
{{ config(
    tags=['checklist_phase2', 'checklist_phase3'],
    fail_calc='count(problem)',
    meta={'compares': 'keys of the shared tables'},
) }}
-- depends_on: {{ ref('int_matches_changed') }}

{%- set keys = {
    'match_registry': ['match_id'],
    'match_players': ['match_id', 'player_xuid'],
    'match_teams': ['match_id', 'team_id'],
    'match_participants': ['match_id', 'xuid'],
    'match_medals': ['match_id', 'xuid', 'medal_name_id'],
    'highlight_events': var('event_key'),
    'xuid_aliases': ['xuid'],
} %}
{%- set nullable = ['xuid', 'type_hint', 'medal_value'] %}

with
{%- for table_name, columns in keys.items() %}

    {{ table_name }}_rows as (
        select * from {{ published(ref(table_name)) }}
    ),

    {{ table_name }}_keys as (
        select
            '{{ table_name }}' as table_name,
            concat_ws('/', {{ columns | join(', ') }}) as key_value,
            count(*) as occurrences,
            case
                when count(*) > 1 then 'duplicate key'
                {%- for column in columns if table_name != 'highlight_events' or column not in nullable %}
                    when {{ column }} is null then 'NULL {{ column }}'
                {%- endfor %}
            end as problem
        {%- set rows = table_name ~ '_rows' %}
        from {{ rows if table_name == 'xuid_aliases' else in_run_batch(rows) }}
        group by {{ columns | join(', ') }}
    ),
{%- endfor %}

compared as (
    {%- for table_name in keys %}
        select * from {{ table_name }}_keys
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from compared
