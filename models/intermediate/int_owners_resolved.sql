-- The owner of the attached player DB, by the one rule of macro owner_xuid_rule (sync_meta's
-- xuid, else the one xuid of player_match_stats). A DB the rule cannot place stops the run
-- with an error naming the file and saying why.
with sync_meta as (
    select * from {{ staged(ref('stg_player_db__sync_meta')) }}
),

player_match_stats as (
    select * from {{ staged(ref('stg_player_db__player_match_stats')) }}
),

owner_rule as (
    {{ owner_xuid_rule() }}
),

meta_gamertag as (
    select max(value) filter (where key = 'gamertag') as gamertag
    from sync_meta
),

resolved as (
    select
        coalesce(
            owner_rule.owner_xuid,
            error({{ sql_string('Player DB ' ~ player_db_path() ~ ': ') }} || owner_rule.problem)
        ) as owner_xuid,
        coalesce(meta_gamertag.gamertag, {{ sql_string(player() or '') }}) as owner_gamertag
    from owner_rule
    cross join meta_gamertag
    where {{ 'true' if player() is not none else 'false' }}
)

select * from resolved
