-- STUB until the landing staging lands
with stub as (
    select
        cast(null as bigint) as response_id,
        cast(null as varchar) as match_id,
        cast(null as varchar) as xuid,
        cast(null as integer) as team_id,
        cast(null as integer) as outcome,
        cast(null as integer) as rank,
        cast(null as integer) as kills,
        cast(null as integer) as deaths,
        cast(null as integer) as assists,
        cast(null as integer) as headshot_kills,
        cast(null as integer) as grenade_kills,
        cast(null as integer) as melee_kills,
        cast(null as integer) as power_weapon_kills,
        cast(null as integer) as shots_fired,
        cast(null as integer) as shots_hit,
        cast(null as double) as damage_dealt,
        cast(null as double) as damage_taken,
        cast(null as integer) as score,
        cast(null as integer) as personal_score,
        cast(null as integer) as max_killing_spree,
        cast(null as double) as kda,
        cast(null as double) as accuracy,
        cast(null as double) as avg_life_seconds,
        cast(null as double) as time_played_seconds,
        cast(null as boolean) as is_present_at_end
    where false
)

select * from stub
