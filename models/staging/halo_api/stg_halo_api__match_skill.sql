-- STUB until the landing staging lands
with stub as (
    select
        cast(null as bigint) as response_id,
        cast(null as varchar) as match_id,
        cast(null as varchar) as xuid,
        cast(null as integer) as team_id,
        cast(null as double) as team_mmr,
        cast(null as double) as enemy_mmr,
        cast(null as double) as kills_expected,
        cast(null as double) as kills_stddev,
        cast(null as double) as deaths_expected,
        cast(null as double) as deaths_stddev,
        cast(null as double) as assists_expected,
        cast(null as double) as assists_stddev,
        cast(null as varchar) as player_xuid
    where false
)

select * from stub
