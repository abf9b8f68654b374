-- STUB until the landing staging lands
with stub as (
    select
        cast(null as bigint) as response_id,
        cast(null as varchar) as match_id,
        cast(null as integer) as team_id,
        cast(null as integer) as team_score
    where false
)

select * from stub
