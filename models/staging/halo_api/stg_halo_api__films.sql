-- STUB until the landing staging lands
with stub as (
    select
        cast(null as varchar) as match_id,
        cast(null as bigint) as manifest_response_id,
        cast(null as bigint) as chunk_response_id,
        cast(null as integer) as film_version,
        cast(null as varchar) as film_state,
        cast(null as varchar) as player_xuid
    where false
)

select * from stub
