-- STUB until the landing staging lands
with stub as (
    select
        cast(null as varchar) as asset_kind,
        cast(null as varchar) as asset_id,
        cast(null as varchar) as version_id,
        cast(null as varchar) as public_name,
        cast(null as timestamp) as fetched_at
    where false
)

select * from stub
