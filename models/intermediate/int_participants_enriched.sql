-- The attached player's roster rows, with the owner-only columns (KDA, accuracy, MMR,
-- expected/stddev ...) filled from the owner's match_stats / player_match_stats on the
-- owner's own row, and the merge bookkeeping (is_owner_row, source copy and its update time).
-- Within a copy, a NULL participant value is filled from the owner's match_stats when the
-- row is the owner's own (non-NULL wins). Deduplicated inside the batch.
with participants as (
    select * from {{ ref('stg_player_db__match_participants') }}
),

match_stats as (
    select * from {{ ref('stg_player_db__match_stats') }}
),

player_match_stats as (
    select * from {{ ref('stg_player_db__player_match_stats') }}
),

owners as (
    select * from {{ ref('int_owners_resolved') }}
),

flagged as (
    select
        participants.*,
        owners.owner_xuid,
        participants.xuid = owners.owner_xuid as is_owner_row
    from participants
    cross join owners
),

enriched as (
    select
        flagged.match_id,
        flagged.xuid,
        coalesce(flagged.team_id, own_stats.team_id) as team_id,
        coalesce(flagged.outcome, own_stats.outcome) as outcome,
        flagged.gamertag,
        coalesce(flagged.rank, own_stats.rank) as rank,
        coalesce(flagged.score, own_stats.score) as score,
        coalesce(flagged.kills, own_stats.kills) as kills,
        coalesce(flagged.deaths, own_stats.deaths) as deaths,
        coalesce(flagged.assists, own_stats.assists) as assists,
        coalesce(flagged.shots_fired, own_stats.shots_fired) as shots_fired,
        coalesce(flagged.shots_hit, own_stats.shots_hit) as shots_hit,
        coalesce(flagged.damage_dealt, own_stats.damage_dealt) as damage_dealt,
        coalesce(flagged.damage_taken, own_stats.damage_taken) as damage_taken,
        coalesce(flagged.avg_life_seconds, own_stats.avg_life_seconds) as avg_life_seconds,
        own_stats.kda,
        own_stats.accuracy,
        own_stats.headshot_kills,
        own_stats.max_killing_spree,
        own_stats.time_played_seconds,
        coalesce(own_skill.team_mmr, own_stats.team_mmr) as team_mmr,
        coalesce(own_skill.enemy_mmr, own_stats.enemy_mmr) as enemy_mmr,
        own_skill.kills_expected,
        own_skill.kills_stddev,
        own_skill.deaths_expected,
        own_skill.deaths_stddev,
        own_skill.assists_expected,
        own_skill.assists_stddev,
        flagged.is_owner_row,
        flagged.owner_xuid as source_player_xuid,
        copy_stats.updated_at as source_updated_at
    from flagged
    left join match_stats as own_stats
        on
            flagged.match_id = own_stats.match_id
            and flagged.is_owner_row
    left join player_match_stats as own_skill
        on
            flagged.match_id = own_skill.match_id
            and flagged.is_owner_row
    left join match_stats as copy_stats
        on flagged.match_id = copy_stats.match_id
),

deduplicated as (
    select *
    from enriched
    qualify row_number() over (
        partition by match_id, xuid order by source_updated_at desc nulls last
    ) = 1
)

select * from deduplicated
