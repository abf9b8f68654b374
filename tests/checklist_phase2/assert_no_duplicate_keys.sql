-- Phase 2: no duplicate key in any shared table; a key with a NULL part counts as a failure.
{{ config(tags=['checklist_phase2']) }}

{%- set keys = {
    'match_registry': ['match_id'],
    'match_players': ['match_id', 'player_xuid'],
    'match_participants': ['match_id', 'xuid'],
    'highlight_events': ['event_key'],
    'xuid_aliases': ['xuid'],
} %}

with
{%- for table_name, columns in keys.items() %}

    {{ table_name }}_offending as (
        select
            '{{ table_name }}' as table_name,
            {{ columns | join(" || '/' || ") }} as key_value,
            count(*) as occurrences
        from {{ ref(table_name) }}
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
