-- The attached player's highlight events with their deterministic key: signature +
-- occurrence number of that signature within this copy. Identical rows of one copy get
-- occurrences 1..n, so legitimate repeats keep distinct keys, while the same event in
-- another player's copy gets the same key (duplicates across players vanish on merge).
with events as (
    select * from {{ ref('stg_player_db__highlight_events') }}
),

numbered as (
    select
        *,
        row_number() over (
            partition by match_id, event_type, time_ms, xuid, type_hint, medal_value
            order by source_event_id
        ) as occurrence
    from events
),

keyed as (
    select
        {{ event_key('match_id', 'event_type', 'time_ms', 'xuid', 'type_hint', 'medal_value', 'occurrence') }}
            as event_key,
        match_id,
        event_type,
        time_ms,
        xuid,
        gamertag,
        type_hint,
        is_medal,
        medal_value,
        medal_name,
        cast(occurrence as integer) as occurrence,
        raw_json
    from numbered
),

deduplicated as (
    select *
    from keyed
    qualify row_number() over (partition by event_key order by raw_json) = 1
)

select * from deduplicated
