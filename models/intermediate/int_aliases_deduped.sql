-- The gamertag aliases this run brings, one row per xuid (latest last_seen first). A player
-- DB: its xuid_aliases. The landing: the gamertags its films show (last seen at the match's
-- end), the tracked players' own gamertags (last seen at the end of their newest landed
-- match) and the profile look-ups.
with batch_matches as (
    select * from {{ ref('int_matches_changed') }}
),

aliases as (
    select * from {{ staged(ref('stg_player_db__xuid_aliases')) }}
),

api_history as (
    select * from {{ staged(ref('stg_halo_api__match_history')) }}
),

api_stats as (
    select * from {{ staged(ref('stg_halo_api__match_stats')) }}
),

api_events as (
    select * from {{ staged(ref('stg_halo_api__highlight_events')) }}
),

api_users as (
    select * from {{ staged(ref('stg_halo_api__users')) }}
),

match_ends as (
    select
        api_stats.match_id,
        max(coalesce(api_stats.end_time, api_stats.start_time)) as ended_at,
        max(api_stats.fetched_at) as fetched_at
    from api_stats
    semi join batch_matches
        on api_stats.match_id = batch_matches.match_id
    group by api_stats.match_id
),

film_aliases as (
    select
        api_events.xuid,
        arg_max(api_events.gamertag, match_ends.ended_at) as gamertag,
        max(match_ends.ended_at) as last_seen,
        '{{ var("film_alias_source") }}' as source,  -- noqa: RF04
        max(match_ends.fetched_at) as updated_at
    from api_events
    inner join match_ends
        on api_events.match_id = match_ends.match_id
    where api_events.gamertag is not null and api_events.xuid is not null
    group by api_events.xuid
),

tracked_player_aliases as (
    select
        player_xuid as xuid,
        arg_max(fetched_by, coalesce(end_time, start_time)) as gamertag,
        max(coalesce(end_time, start_time)) as last_seen,
        '{{ var("sync_alias_source") }}' as source,  -- noqa: RF04
        max(fetched_at) as updated_at
    from api_history
    where
        response_id > {{ landing_high_water_mark() }}
        and player_xuid is not null
        and fetched_by is not null
    group by player_xuid
),

user_aliases as (
    select
        xuid,
        arg_max(gamertag, fetched_at) as gamertag,
        max(fetched_at) as last_seen,
        '{{ var("profile_alias_source") }}' as source,  -- noqa: RF04
        max(fetched_at) as updated_at
    from api_users
    where xuid is not null and gamertag is not null
    group by xuid
),

candidates as (
    select
        xuid,
        gamertag,
        last_seen,
        source,
        updated_at
    from aliases
    union all by name
    select * from film_aliases
    union all by name
    select * from tracked_player_aliases
    union all by name
    select * from user_aliases
),

deduplicated as (
    select
        xuid,
        gamertag,
        last_seen,
        source,
        updated_at
    from candidates
    where xuid is not null
    qualify row_number() over (
        partition by xuid
        order by {{ alias_precedence() }}
    ) = 1
)

select * from deduplicated
