{{ config(materialized='ephemeral', tags=['phase5']) }}

-- The compatibility view `highlight_events` of a cleaned player DB: the events of every match
-- the player has (v4_highlight_events on the owner's xuid), with exactly the columns and
-- types the dropped table had; a DB that spelt event types otherwise ('Kill' in older DBs)
-- gets its own spelling back (the pairs the cleanup read from it, written into the view).
-- `shared-matches cleanup` compiles this model and creates the view in the transaction that
-- drops the table (dbt never builds it).
{%- set facts = compat_facts() %}

with player_events as (
    select * from {{ ref('v4_highlight_events') }}
),

{%- if facts.get('spellings') %}

    spellings as (
        select * from (
            values
            {%- for lower_case, original in facts['spellings'].items() %}
                ({{ sql_string(lower_case) }}, {{ sql_string(original) }}){% if not loop.last %},{% endif %}
            {%- endfor %}
        ) as spelling (event_type, original)
    ),
{%- endif %}

events_of_player as (
    select
        {{ compat_select('highlight_events', 'player_events', {
            'event_type': 'coalesce(spellings.original, player_events.event_type)',
        } if facts.get('spellings') else {}, exclude=['player_xuid']) }}
    from player_events
    {%- if facts.get('spellings') %}
        left join spellings
            on player_events.event_type = spellings.event_type
    {%- endif %}
    where player_events.player_xuid = {{ sql_string(facts.get('player_xuid', '')) }}
)

select * from events_of_player
