-- STUB until the landing staging lands
with stub as (
    select
        cast(null as varchar) as xuid,
        cast(null as varchar) as gamertag,
        cast(null as timestamp) as fetched_at
    where false
)

select * from stub
