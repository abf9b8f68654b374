-- One row per human player of a landed match_stats response (bots, bid(..), are skipped),
-- with the player's counts summed over their PlayerTeamStats entries (a player can change
-- team). KDA, accuracy and average life: the API's own figures when the player has one
-- entry; with several, kda = kills + assists / 3 - deaths and accuracy = 100 * hit / fired
-- (both rounded half-even to 2 decimals, as Python's round) and the mean of the lives.
-- A value the API does not give stays NULL.
{%- set core_stats = {
    'Score': 'INTEGER',
    'PersonalScore': 'INTEGER',
    'Kills': 'INTEGER',
    'Deaths': 'INTEGER',
    'Assists': 'INTEGER',
    'KDA': 'DOUBLE',
    'AverageLifeDuration': 'VARCHAR',
    'GrenadeKills': 'INTEGER',
    'HeadshotKills': 'INTEGER',
    'MeleeKills': 'INTEGER',
    'PowerWeaponKills': 'INTEGER',
    'ShotsFired': 'INTEGER',
    'ShotsHit': 'INTEGER',
    'Accuracy': 'DOUBLE',
    'DamageDealt': 'DOUBLE',
    'DamageTaken': 'DOUBLE',
    'MaxKillingSpree': 'INTEGER',
} %}

with responses as (
    {{ landing_table('responses') }}
),

stats_responses as (
    {{ landed_stats_responses('responses') }}
),

humans as (
    {{ landed_humans('stats_responses') }}
),

team_stats as (
    select
        humans.response_id,
        humans.player_no,
        json_transform(
            entries.team_stats -> '$.Stats.CoreStats', '{{ tojson(core_stats) }}'
        ) as core
    from humans
    cross join unnest(json_extract(humans.player, '$.PlayerTeamStats[*]')) as entries (team_stats)
),

team_facts as (
    select
        team_stats.response_id,
        team_stats.player_no,
        team_stats.core.score,
        team_stats.core.personalscore as personal_score,
        team_stats.core.kills,
        team_stats.core.deaths,
        team_stats.core.assists,
        team_stats.core.kda,
        team_stats.core.headshotkills as headshot_kills,
        team_stats.core.grenadekills as grenade_kills,
        team_stats.core.meleekills as melee_kills,
        team_stats.core.powerweaponkills as power_weapon_kills,
        team_stats.core.shotsfired as shots_fired,
        team_stats.core.shotshit as shots_hit,
        team_stats.core.accuracy,
        team_stats.core.damagedealt as damage_dealt,
        team_stats.core.damagetaken as damage_taken,
        team_stats.core.maxkillingspree as max_killing_spree,
        {{ halo_duration_seconds('team_stats.core.averagelifeduration') }} as life_seconds
    from team_stats
),

summed as (
    select
        response_id,
        player_no,
        count(*) as team_stats_count,
        cast(sum(kills) as integer) as kills,
        cast(sum(deaths) as integer) as deaths,
        cast(sum(assists) as integer) as assists,
        cast(sum(headshot_kills) as integer) as headshot_kills,
        cast(sum(grenade_kills) as integer) as grenade_kills,
        cast(sum(melee_kills) as integer) as melee_kills,
        cast(sum(power_weapon_kills) as integer) as power_weapon_kills,
        cast(sum(shots_fired) as integer) as shots_fired,
        cast(sum(shots_hit) as integer) as shots_hit,
        sum(damage_dealt) as damage_dealt,
        sum(damage_taken) as damage_taken,
        cast(sum(score) as integer) as score,
        cast(sum(personal_score) as integer) as personal_score,
        max(max_killing_spree) as max_killing_spree,
        -- the API's own figures, used when the player has a single team-stats entry
        any_value(kda) as single_kda,
        any_value(accuracy) as single_accuracy,
        sum(life_seconds) / nullif(count(life_seconds), 0) as avg_life_seconds
    from team_facts
    group by response_id, player_no
),

participants as (
    select
        humans.response_id,
        humans.match_id,
        humans.xuid,
        try_cast(humans.player ->> '$.LastTeamId' as integer) as team_id,
        try_cast(humans.player ->> '$.Outcome' as integer) as outcome,
        try_cast(humans.player ->> '$.Rank' as integer) as rank,
        summed.kills,
        summed.deaths,
        summed.assists,
        summed.headshot_kills,
        summed.grenade_kills,
        summed.melee_kills,
        summed.power_weapon_kills,
        summed.shots_fired,
        summed.shots_hit,
        summed.damage_dealt,
        summed.damage_taken,
        summed.score,
        summed.personal_score,
        summed.max_killing_spree,
        case
            when summed.team_stats_count = 1 then summed.single_kda
            when summed.kills is not null and summed.deaths is not null
                then round_even(
                    summed.kills
                    + coalesce(summed.assists, 0) / {{ var('kda_assists_per_kill') }}
                    - summed.deaths,
                    {{ var('stat_decimals') }}
                )
        end as kda,
        case
            when summed.team_stats_count = 1 then summed.single_accuracy
            when summed.shots_fired != 0 and summed.shots_hit is not null
                then round_even(
                    cast({{ var('percent') }} as double) * summed.shots_hit / summed.shots_fired,
                    {{ var('stat_decimals') }}
                )
        end as accuracy,
        summed.avg_life_seconds,
        {{ halo_duration_seconds("humans.player ->> '$.ParticipationInfo.TimePlayed'") }}
            as time_played_seconds,
        try_cast(humans.player ->> '$.ParticipationInfo.PresentAtCompletion' as boolean)
            as is_present_at_end
    from humans
    left join summed
        on
            humans.response_id = summed.response_id
            and humans.player_no = summed.player_no
)

select * from participants
