-- The owner of the attached player DB: xuid from sync_meta, else the one xuid of
-- player_match_stats. A DB with neither, or with several xuids there and none in sync_meta,
-- stops the run with an error naming the file (the rule of player_identity.read_player_xuid,
-- which the commands apply before dbt runs).
with sync_meta as (
    select * from {{ staged(ref('stg_player_db__sync_meta')) }}
),

player_match_stats as (
    select * from {{ staged(ref('stg_player_db__player_match_stats')) }}
),

meta_values as (
    select
        max(value) filter (where key = 'xuid') as meta_xuid,
        max(value) filter (where key = 'gamertag') as meta_gamertag
    from sync_meta
),

stats_xuid as (
    select
        min(xuid) as stats_xuid,
        count(distinct xuid) as xuid_count
    from player_match_stats
    where xuid is not null
),

resolved as (
    select
        coalesce(
            meta_values.meta_xuid,
            case
                when stats_xuid.xuid_count > 1
                    then error(
                        {{ sql_string('Player DB ' ~ player_db_path()
                            ~ ': player_match_stats holds several xuids; cannot tell whose.') }}
                    )
            end,
            stats_xuid.stats_xuid
        ) as owner_xuid,
        coalesce(meta_values.meta_gamertag, {{ sql_string(player() or '') }}) as owner_gamertag
    from meta_values
    cross join stats_xuid
    where {{ is_player_run() }}
),

checked as (
    select
        coalesce(
            owner_xuid,
            error(
                {{ sql_string('Player DB ' ~ player_db_path() ~ ' has no owner xuid: ') }}
                || 'sync_meta lacks the key ''xuid'' and player_match_stats has no xuid.'
            )
        ) as owner_xuid,
        owner_gamertag
    from resolved
)

select * from checked
