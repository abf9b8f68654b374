-- Phase 3, no loss: every gamertag the landing shows for a xuid is in xuid_aliases, and no
-- warehouse alias is older than it (the latest last_seen wins): the gamertags of the loaded
-- films of tracked matches (last seen at the match's end), the tracked players' own gamertags
-- (last seen at the end of their newest landed match) and the profile look-ups. Inside `dbt
-- build` the films of the matches merged by that run (see run_batch_only).
{{ config(tags=['checklist_phase3', 'landing']) }}

-- depends_on: {{ ref('int_matches_changed') }}
-- depends_on: {{ ref('xuid_aliases') }}
-- depends_on: {{ ref('stg_halo_api__match_history') }}
-- depends_on: {{ ref('stg_halo_api__match_stats') }}
-- depends_on: {{ ref('stg_halo_api__match_participants') }}
-- depends_on: {{ ref('stg_halo_api__highlight_events') }}
-- depends_on: {{ ref('stg_halo_api__users') }}

{%- do checklist_requires('landing') %}

with landed_events as (
    select * from {{ ref('stg_halo_api__highlight_events') }}
),

landed_users as (
    select * from {{ ref('stg_halo_api__users') }}
),

warehouse_aliases as (
    select * from {{ published(ref('xuid_aliases')) }}
),

{{ landed_tracked_copies() }},

match_ends as (
    select
        landed_stats.match_id,
        max(coalesce(landed_stats.end_time, landed_stats.start_time)) as ended_at
    from landed_stats
    semi join tracked_copies
        on landed_stats.match_id = tracked_copies.match_id
    group by landed_stats.match_id
),

film_gamertags as (
    select
        landed_events.xuid,
        landed_events.gamertag,
        match_ends.ended_at as last_seen
    from {{ in_run_batch('landed_events') }}
    inner join match_ends
        on landed_events.match_id = match_ends.match_id
    where landed_events.xuid is not null and landed_events.gamertag is not null
),

tracked_player_gamertags as (
    select
        landed_history.player_xuid as xuid,
        landed_history.fetched_by as gamertag,
        coalesce(landed_history.end_time, landed_history.start_time) as last_seen
    from {{ in_run_batch('landed_history') }}
    where landed_history.player_xuid is not null and landed_history.fetched_by is not null
),

profile_gamertags as (
    select
        xuid,
        gamertag,
        fetched_at as last_seen
    from landed_users
    where xuid is not null and gamertag is not null
),

landed_aliases as (
    select * from film_gamertags
    union all
    select * from tracked_player_gamertags
    union all
    select * from profile_gamertags
),

lost as (
    select
        landed_aliases.xuid,
        landed_aliases.gamertag,
        landed_aliases.last_seen,
        warehouse_aliases.last_seen as warehouse_last_seen
    from landed_aliases
    left join warehouse_aliases
        on landed_aliases.xuid = warehouse_aliases.xuid
    where
        warehouse_aliases.xuid is null
        or warehouse_aliases.last_seen < landed_aliases.last_seen
)

select * from lost
