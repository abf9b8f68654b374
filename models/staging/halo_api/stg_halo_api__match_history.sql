-- STUB until the landing staging lands
with stub as (
    select
        cast(null as bigint) as response_id,
        cast(null as timestamp) as fetched_at,
        cast(null as varchar) as fetched_by,
        cast(null as varchar) as player_xuid,
        cast(null as varchar) as match_id,
        cast(null as timestamp) as start_time,
        cast(null as timestamp) as end_time,
        cast(null as double) as duration_seconds,
        cast(null as integer) as lifecycle_mode,
        cast(null as integer) as game_variant_category,
        cast(null as integer) as playlist_experience,
        cast(null as varchar) as playlist_id,
        cast(null as varchar) as playlist_version_id,
        cast(null as varchar) as map_id,
        cast(null as varchar) as map_version_id,
        cast(null as varchar) as pair_id,
        cast(null as varchar) as pair_version_id,
        cast(null as varchar) as game_variant_id,
        cast(null as varchar) as game_variant_version_id,
        cast(null as integer) as team_id,
        cast(null as integer) as outcome,
        cast(null as integer) as rank,
        cast(null as boolean) as is_present_at_end
    where false
)

select * from stub
