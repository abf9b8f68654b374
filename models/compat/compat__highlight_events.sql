{{ config(materialized='ephemeral', tags=['phase5']) }}

-- The compatibility view `highlight_events` of a cleaned player DB: the events of every match
-- the player has, read from the read layer's Parquet files by absolute path (no ATTACH, no
-- lock on the warehouse), with exactly the columns and types the dropped table had. The
-- player's matches are the layer's match_players rows of the owner's xuid; `id` is the
-- match's number among them (start order) * event_id_block + the event's rank in its match,
-- as v4_highlight_events numbers it. A DB that spelt event types otherwise ('Kill' in older
-- DBs) gets its own spelling back (the pairs the cleanup read from it, written into the view).
-- `shared-matches cleanup` compiles this model and creates the view in the transaction that
-- drops the table (dbt never builds it).
{%- set facts = compat_facts() %}
{#- the v4 id from the match's number and the event's rank; raw_json rebuilt where the
    warehouse keeps none; the DB's own event-type spelling #}
{%- set overrides = {
    'id': 'matches_of_player.match_number * ' ~ var('event_id_block')
        ~ ' + layer_events.event_number',
    'raw_json': 'coalesce(layer_events.raw_json, ' ~ event_raw_json('layer_events') ~ ')',
} %}
{%- if facts.get('spellings') %}
    {%- do overrides.update({
        'event_type': 'coalesce(spellings.original, layer_events.event_type)',
    }) %}
{%- endif %}

with layer_matches as (
    select * from {{ read_layer_files('match_players') }}
),

layer_events as (
    select * from {{ read_layer_files('highlight_events') }}
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

matches_of_player as (
    select
        match_id,
        row_number() over (order by start_time, match_id) as match_number
    from layer_matches
    where player_xuid = {{ sql_string(facts.get('player_xuid', '')) }}
),

events_of_player as (
    select
        {{ compat_select('highlight_events', 'layer_events', overrides) }}
    from layer_events
    inner join matches_of_player
        on layer_events.match_id = matches_of_player.match_id
    {%- if facts.get('spellings') %}
        left join spellings
            on layer_events.event_type = spellings.event_type
    {%- endif %}
)

select * from events_of_player
