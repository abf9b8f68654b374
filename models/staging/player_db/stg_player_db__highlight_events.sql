with source_rows as (
    {{ select_player_table('highlight_events') }}
),

normalised as (
    select
        id as source_event_id,
        match_id,
        lower(event_type) as event_type,
        time_ms,
        xuid,
        gamertag,
        type_hint,
        {{ raw_json_medal_value('raw_json') }} as medal_value,
        json_extract_string(raw_json, '$.medal_name') as medal_name,
        try_cast(json_extract_string(raw_json, '$.is_medal') as boolean) as is_medal,
        raw_json
    from source_rows
)

select * from normalised
