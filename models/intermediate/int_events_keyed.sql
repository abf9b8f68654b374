-- The attached player's highlight events of the matches merged in this run, with their
-- deterministic key: signature + occurrence number of that signature within this copy.
-- Identical rows of one copy get occurrences 1..n, so legitimate repeats keep distinct keys,
-- while the same event in another player's copy gets the same key (duplicates across players
-- vanish on merge). The filter comes first so that only this run's matches are numbered.
-- A copy whose events the warehouse already holds exactly (same rows, each signature with
-- one value) would change nothing: it is left out before the costly numbering and hashing.
with events as (
    select * from {{ ref('stg_player_db__highlight_events') }}
),

changed_matches as (
    select * from {{ ref('int_matches_changed') }}
),

stored_events as (
    {{ stored_events() }}
),

changed_events as (
    select events.*
    from events
    semi join changed_matches
        on events.match_id = changed_matches.match_id
),

stored_changed_events as (
    select stored_events.*
    from stored_events
    semi join changed_matches
        on stored_events.match_id = changed_matches.match_id
),

changed_events_hashed as (
    select
        match_id,
        hash(event_type, time_ms, xuid, type_hint, medal_value) as signature_hash,
        {{ event_row_hash() }} as row_hash
    from changed_events
),

stored_events_hashed as (
    select
        match_id,
        {{ event_row_hash() }} as row_hash
    from stored_changed_events
),

copy_fingerprints as (
    {{ event_fingerprints('changed_events_hashed') }}
),

stored_fingerprints as (
    {{ event_fingerprints('stored_events_hashed') }}
),

signature_values as (
    -- one row per signature of a copy: does every repeat of it carry the same values?
    select
        match_id,
        min(row_hash) = max(row_hash) as has_one_value
    from changed_events_hashed
    group by match_id, signature_hash
),

copies_with_one_value_per_signature as (
    -- occurrence numbers pair a copy's repeats with the stored rows in source order: only
    -- when the repeats are alike is "the same rows" enough to know that nothing changes
    select match_id
    from signature_values
    group by match_id
    having bool_and(has_one_value)
),

copies_already_stored as (
    select copy_fingerprints.match_id
    from copy_fingerprints
    inner join stored_fingerprints
        on copy_fingerprints.match_id = stored_fingerprints.match_id
    inner join copies_with_one_value_per_signature
        on copy_fingerprints.match_id = copies_with_one_value_per_signature.match_id
    where
        copy_fingerprints.event_count = stored_fingerprints.event_count
        and copy_fingerprints.fingerprint = stored_fingerprints.fingerprint
),

events_to_merge as (
    select changed_events.*
    from changed_events
    anti join copies_already_stored
        on changed_events.match_id = copies_already_stored.match_id
),

keyed as (
    {{ keyed_events('events_to_merge') }}
)

select * from keyed
