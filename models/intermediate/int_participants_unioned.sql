-- The roster rows of this run's matches, whatever the source, with the merge bookkeeping
-- (is_owner_row, the copy's owner and update time).
-- Player DB: the roster; on the owner's own row the NULL values are filled from the owner's
-- match_stats and the owner-only columns (KDA, accuracy, MMR, expected ...) from match_stats /
-- player_match_stats. Landing: every human of the match's latest stats response, with the
-- skill of the latest skill response and the gamertag the film shows; the API gives every
-- participant's own figures, so each row counts as the participant's own (is_owner_row).
with batch_matches as (
    select * from {{ ref('int_matches_changed') }}
),

participants as (
    select * from {{ staged(ref('stg_player_db__match_participants')) }}
),

match_stats as (
    select * from {{ staged(ref('stg_player_db__match_stats')) }}
),

player_match_stats as (
    select * from {{ staged(ref('stg_player_db__player_match_stats')) }}
),

owners as (
    select * from {{ ref('int_owners_resolved') }}
),

api_stats as (
    select * from {{ staged(ref('stg_halo_api__match_stats')) }}
),

api_participants as (
    select * from {{ staged(ref('stg_halo_api__match_participants')) }}
),

api_skill as (
    select * from {{ staged(ref('stg_halo_api__match_skill')) }}
),

api_events as (
    select * from {{ staged(ref('stg_halo_api__highlight_events')) }}
),

batch_participants as (
    select participants.*
    from participants
    semi join batch_matches
        on participants.match_id = batch_matches.match_id
    where participants.xuid is not null
),

flagged as (
    select
        batch_participants.*,
        owners.owner_xuid,
        batch_participants.xuid = owners.owner_xuid as is_owner_row
    from batch_participants
    cross join owners
),

own_stats_of_match as (
    select *
    from match_stats
    qualify row_number() over (partition by match_id order by updated_at desc nulls last) = 1
),

own_skill_of_match as (
    select *
    from player_match_stats
    qualify row_number() over (partition by match_id order by created_at desc nulls last) = 1
),

player_rows as (
    select
        flagged.match_id,
        flagged.xuid,
        coalesce(flagged.team_id, own_stats.team_id) as team_id,
        coalesce(flagged.outcome, own_stats.outcome) as outcome,
        flagged.gamertag,
        coalesce(flagged.rank, own_stats.rank) as rank,
        coalesce(flagged.score, own_stats.score) as score,
        own_stats.personal_score,
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
        own_stats.grenade_kills,
        own_stats.melee_kills,
        own_stats.power_weapon_kills,
        own_stats.max_killing_spree,
        own_stats.time_played_seconds,
        not own_stats.left_early as is_present_at_end,
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
    left join own_stats_of_match as own_stats
        on
            flagged.match_id = own_stats.match_id
            and flagged.is_owner_row
    left join own_skill_of_match as own_skill
        on
            flagged.match_id = own_skill.match_id
            and flagged.is_owner_row
    left join own_stats_of_match as copy_stats
        on flagged.match_id = copy_stats.match_id
    -- a roster row held twice (int_rows_rejected names it): the same one on every run
    qualify row_number() over (
        partition by flagged.match_id, flagged.xuid
        order by
            flagged.is_owner_row desc,
            flagged.kills desc nulls last,
            flagged.deaths desc nulls last,
            flagged.score desc nulls last,
            flagged.team_id asc nulls last,
            flagged.gamertag asc nulls last
    ) = 1
),

latest_stats as (
    {{ latest_of_batch('api_stats') }}
),

latest_skill as (
    {{ latest_of_batch('api_skill', ['match_id', 'xuid']) }}
),

film_gamertags as (
    select
        api_events.match_id,
        api_events.xuid,
        arg_max(api_events.gamertag, api_events.event_no) as gamertag
    from api_events
    semi join batch_matches
        on api_events.match_id = batch_matches.match_id
    where api_events.gamertag is not null
    group by api_events.match_id, api_events.xuid
),

api_rows as (
    select
        roster.match_id,
        roster.xuid,
        roster.team_id,
        roster.outcome,
        film_gamertags.gamertag,
        roster.rank,
        roster.score,
        roster.personal_score,
        roster.kills,
        roster.deaths,
        roster.assists,
        roster.shots_fired,
        roster.shots_hit,
        roster.damage_dealt,
        roster.damage_taken,
        roster.avg_life_seconds,
        roster.kda,
        roster.accuracy,
        roster.headshot_kills,
        roster.grenade_kills,
        roster.melee_kills,
        roster.power_weapon_kills,
        roster.max_killing_spree,
        roster.time_played_seconds,
        roster.is_present_at_end,
        skill.team_mmr,
        skill.enemy_mmr,
        skill.kills_expected,
        skill.kills_stddev,
        skill.deaths_expected,
        skill.deaths_stddev,
        skill.assists_expected,
        skill.assists_stddev,
        true as is_owner_row,
        latest_stats.player_xuid as source_player_xuid,
        latest_stats.fetched_at as source_updated_at
    from latest_stats
    inner join api_participants as roster
        on latest_stats.response_id = roster.response_id
    left join latest_skill as skill
        on
            roster.match_id = skill.match_id
            and roster.xuid = skill.xuid
    left join film_gamertags
        on
            roster.match_id = film_gamertags.match_id
            and roster.xuid = film_gamertags.xuid
    where roster.xuid is not null
),

unioned as (
    select * from player_rows
    union all by name
    select * from api_rows
)

select * from unioned
