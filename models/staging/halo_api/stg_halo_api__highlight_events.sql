-- STUB until the landing staging lands
with stub as (
    select
        cast(null as bigint) as response_id,
        cast(null as varchar) as match_id,
        cast(null as integer) as event_no,
        cast(null as varchar) as event_type,
        cast(null as integer) as time_ms,
        cast(null as varchar) as xuid,
        cast(null as varchar) as gamertag,
        cast(null as integer) as type_hint,
        cast(null as boolean) as is_medal,
        cast(null as integer) as medal_value,
        cast(null as varchar) as medal_name
    where false
)

select * from stub
