-- The highlight events of this run's matches with their key, whatever the source: the match,
-- the signature (lower-case event type, time_ms, actor xuid, type hint, medal value) and the
-- occurrence number of that signature within the copy (1..n in the copy's own order: the
-- player DB's ids, the film's event order). Identical rows of one copy get occurrences 1..n,
-- so legitimate repeats keep distinct keys, while the same event in another copy gets the
-- same key (duplicates across copies vanish on merge). A player DB run brings one copy per
-- match; a landing run the match's latest decoded film.
with batch_matches as (
    select * from {{ ref('int_matches_changed') }}
),

player_events as (
    select * from {{ staged(ref('stg_player_db__highlight_events')) }}
),

api_events as (
    select * from {{ staged(ref('stg_halo_api__highlight_events')) }}
),

player_batch_events as (
    select
        player_events.match_id,
        player_events.event_type,
        player_events.time_ms,
        player_events.xuid,
        player_events.type_hint,
        player_events.medal_value,
        player_events.gamertag,
        player_events.is_medal,
        player_events.medal_name,
        player_events.raw_json,
        player_events.source_event_id as copy_order
    from player_events
    semi join batch_matches
        on player_events.match_id = batch_matches.match_id
    where player_events.match_id is not null
),

api_batch_events as (
    select
        api_events.match_id,
        api_events.event_type,
        api_events.time_ms,
        api_events.xuid,
        api_events.type_hint,
        api_events.medal_value,
        api_events.gamertag,
        api_events.is_medal,
        api_events.medal_name,
        cast(null as varchar) as raw_json,
        api_events.event_no as copy_order
    from api_events
    semi join batch_matches
        on api_events.match_id = batch_matches.match_id
),

batch_events as (
    select * from player_batch_events
    union all by name
    select * from api_batch_events
),

keyed as (
    {{ events_with_occurrence('batch_events') }}
)

select * from keyed
