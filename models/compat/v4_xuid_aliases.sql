{{ config(materialized='view') }}

-- The xuid_aliases rows (layout v4) every player DB gets: every alias the warehouse knows (the
-- latest gamertag of each xuid).
with aliases as (
    select * from {{ ref('xuid_aliases') }}
),

v4_rows as (
    select
        xuid,
        gamertag,
        last_seen,
        source,
        updated_at
    from aliases
)

select * from v4_rows
