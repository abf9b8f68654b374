-- The attached player's gamertag aliases, one row per xuid (latest last_seen first).
with aliases as (
    select * from {{ ref('stg_player_db__xuid_aliases') }}
),

deduplicated as (
    select
        xuid,
        gamertag,
        last_seen,
        source,
        updated_at
    from aliases
    where xuid is not null
    qualify row_number() over (
        partition by xuid order by last_seen desc nulls last, updated_at desc nulls last, gamertag asc
    ) = 1
)

select * from deduplicated
