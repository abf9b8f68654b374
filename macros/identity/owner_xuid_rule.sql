{#-
    The one rule for the owner of a player DB, over two CTEs the caller defines: sync_meta
    (key, value) and player_match_stats (xuid). The owner is sync_meta's non-empty 'xuid',
    else the one xuid of player_match_stats; with neither, or several xuids there and none in
    sync_meta, owner_xuid is NULL and `problem` says why. One row: owner_xuid, problem.
    The body is plain SQL, no Jinja: int_owners_resolved runs it inside dbt, and
    shared_matches.player_identity runs the same text before dbt (to fail early and to find
    a player's merge record).
-#}
{% macro owner_xuid_rule() %}
    select
        coalesce(meta.xuid, case when stats.xuid_count = 1 then stats.xuid end) as owner_xuid,
        case
            when meta.xuid is not null or stats.xuid_count = 1 then null
            when stats.xuid_count > 1
                then 'player_match_stats holds several xuids; cannot tell whose.'
            else
                'no owner xuid: sync_meta lacks the key ''xuid'' and player_match_stats has no xuid.'
        end as problem
    from (
        select max(nullif(sync_meta.value, '')) as xuid
        from sync_meta
        where sync_meta.key = 'xuid'
    ) as meta
    cross join (
        select
            min(player_match_stats.xuid) as xuid,
            count(distinct player_match_stats.xuid) as xuid_count
        from player_match_stats
        where player_match_stats.xuid is not null
    ) as stats
{% endmacro %}
