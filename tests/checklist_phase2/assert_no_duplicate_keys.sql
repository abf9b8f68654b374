-- Phase 2: no duplicate key in any shared table; a key with a NULL part counts as a failure.
-- Inside `dbt build` the match-keyed tables are checked for the matches merged by that run
-- (see run_batch_only); xuid_aliases, keyed by xuid, always whole.
{{ config(tags=['checklist_phase2']) }}
-- depends_on: {{ ref('int_matches_changed') }}

{%- set keys = {
    'match_registry': ['match_id'],
    'match_players': ['match_id', 'player_xuid'],
    'match_participants': ['match_id', 'xuid'],
    'highlight_events': ['event_key'],
    'xuid_aliases': ['xuid'],
} %}

with
{%- for table_name, columns in keys.items() %}

    {{ table_name }}_rows as (
        select * from {{ ref(table_name) }}
    ),

    {{ table_name }}_offending as (
        select
            '{{ table_name }}' as table_name,
            {{ columns | join(" || '/' || ") }} as key_value,
            count(*) as occurrences
        {%- set rows = table_name ~ '_rows' %}
        from {{ rows if table_name == 'xuid_aliases' else in_run_batch(rows) }}
        group by {{ columns | join(', ') }}
        having
            count(*) > 1
            {%- for column in columns %} or {{ column }} is null{% endfor %}
    ),
{%- endfor %}

offending as (
    {%- for table_name in keys %}
        select * from {{ table_name }}_offending
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from offending
