-- STUB until the landing staging lands
with stub as (
    select
        cast(null as bigint) as response_id,
        cast(null as varchar) as match_id,
        cast(null as varchar) as xuid,
        cast(null as bigint) as medal_name_id,
        cast(null as integer) as medal_count
    where false
)

select * from stub
