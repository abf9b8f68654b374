-- The attached player's highlight events of the matches merged in this run, with their
-- deterministic key: signature + occurrence number of that signature within this copy.
-- Identical rows of one copy get occurrences 1..n, so legitimate repeats keep distinct keys,
-- while the same event in another player's copy gets the same key (duplicates across players
-- vanish on merge). The filter comes first so that only this run's matches are numbered.
with events as (
    select * from {{ ref('stg_player_db__highlight_events') }}
),

changed_matches as (
    select * from {{ ref('int_matches_changed') }}
),

changed_events as (
    select events.*
    from events
    semi join changed_matches
        on events.match_id = changed_matches.match_id
),

keyed as (
    {{ keyed_events('changed_events') }}
)

select * from keyed
