-- The matches this run merges (its batch). From a player DB: copies never merged before, or
-- whose match_stats.updated_at differs from the merged copy's (the app bumps it when it
-- rewrites or backfills a match). From the landing: every match of a response landed since the
-- last merge (the high-water mark in merged_sources). --vars '{reprocess: true}' takes every
-- match again. Computed once at the start of the run, so that it stays the same while the
-- shared tables are staged.
with player_match_stats as (
    select * from {{ staged(ref('stg_player_db__match_stats')) }}
),

owners as (
    select * from {{ ref('int_owners_resolved') }}
),

merged_copies as (
    {{ warehouse_table('match_players', ['match_id', 'player_xuid', 'copy_updated_at']) }}
),

api_history as (
    select * from {{ staged(ref('stg_halo_api__match_history')) }}
),

api_stats as (
    select * from {{ staged(ref('stg_halo_api__match_stats')) }}
),

api_skill as (
    select * from {{ staged(ref('stg_halo_api__match_skill')) }}
),

api_films as (
    select * from {{ staged(ref('stg_halo_api__films')) }}
),

api_participants as (
    select * from {{ staged(ref('stg_halo_api__match_participants')) }}
),

player_copies as (
    -- one copy per match (a table without primary key may hold a match twice: the latest
    -- updated row is the copy, as int_match_copies_unioned takes it; int_rows_rejected
    -- names the others)
    select *
    from player_match_stats
    where match_id is not null
    qualify row_number() over (partition by match_id order by updated_at desc nulls last) = 1
),

changed_player_copies as (
    select match_stats.match_id
    from player_copies as match_stats
    cross join owners
    left join merged_copies
        on
            match_stats.match_id = merged_copies.match_id
            and owners.owner_xuid = merged_copies.player_xuid
    where
        merged_copies.match_id is null
        or match_stats.updated_at is distinct from merged_copies.copy_updated_at
        or {{ 'true' if var('reprocess') else 'false' }}
),

landed_matches as (
    -- a match some response of which was landed since the last merge
    select match_id from api_history
    where response_id > {{ landing_high_water_mark() }}
    union
    select match_id from api_stats
    where response_id > {{ landing_high_water_mark() }}
    union
    select match_id from api_skill
    where response_id > {{ landing_high_water_mark() }}
    union
    select match_id from api_films
    where greatest(manifest_response_id, chunk_response_id) > {{ landing_high_water_mark() }}
),

tracked_matches as (
    -- a match a tracked player has: in their history, or stats they fetched while in its
    -- roster (the landing may hold matches no tracked player played: they are not merged)
    select api_history.match_id
    from api_history
    where
        api_history.response_id > {{ landing_high_water_mark() }}
        and api_history.player_xuid is not null
    union
    select api_stats.match_id
    from api_stats
    semi join landed_matches
        on api_stats.match_id = landed_matches.match_id
    inner join api_participants
        on
            api_stats.response_id = api_participants.response_id
            and api_stats.player_xuid = api_participants.xuid
),

changed as (
    select match_id from changed_player_copies
    union
    select match_id from tracked_matches
    where match_id is not null
)

select * from changed
