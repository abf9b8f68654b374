{#-
    The matches of a cleaned player DB that have no shared roster for the player: a row of its
    match_stats with no match_players row of the owner, or whose registry row says the roster
    was never loaded. The old app's own sync writes such rows (its inserts into the views fail
    and it goes on). Plain SQL over CTEs the caller defines:
      player_matches (match_id, start_time)           the player DB's match_stats
      owner (xuid)                                    one row: the DB's owner
      match_players (match_id, player_xuid)           the warehouse's
      match_registry (match_id, participants_loaded)  the warehouse's
      landing_responses (kind, match_id, http_status, payload)  the landing's (may be empty)
    One row per such match: match_id, start_time, reason ('not_in_warehouse',
    'not_the_players': another player's copy only, 'no_roster'), stats_landed (the landing
    holds a match stats response for it), roster_landed (one that lists the owner among its
    players), blocks_verify (the views cannot show a roster the API gave: no copy of the
    player in the warehouse, or a landed roster the warehouse lacks) and sync_again (a sync
    must fetch it, or land its history row: all but a match whose landed stats the API gave
    without the owner). No Jinja: shared_matches.cleanup.app_sync runs the same text for
    `status`, `cleanup --verify` and the sync.
-#}
{% macro unshared_matches_rule() %}
    with unshared as (
        select
            player_matches.match_id,
            player_matches.start_time,
            match_registry.match_id is not null as in_warehouse,
            match_players.match_id is not null as player_copy
        from player_matches
        cross join owner
        left join match_registry
            on player_matches.match_id = match_registry.match_id
        left join match_players
            on
                player_matches.match_id = match_players.match_id
                and owner.xuid = match_players.player_xuid
        where
            match_players.match_id is null
            or not coalesce(match_registry.participants_loaded, false)
    ),

    landed_stats as (
        select
            lower(coalesce(landing_responses.match_id, landing_responses.payload ->> '$.MatchId'))
                as match_id,
            bool_or(
                list_contains(
                    list_transform(
                        coalesce(
                            json_extract_string(landing_responses.payload, '$.Players[*].PlayerId'),
                            []
                        ),
                        lambda player_id: regexp_extract(lower(trim(player_id)), '^(xuid\()?(\d+)\)?$', 2)
                    ),
                    owner.xuid
                )
            ) as lists_owner
        from landing_responses
        cross join owner
        where
            landing_responses.kind = 'match_stats'
            and landing_responses.http_status = 200
            and lower(coalesce(landing_responses.match_id, landing_responses.payload ->> '$.MatchId'))
            in (select unshared.match_id from unshared)
        group by 1
    )

    select
        unshared.match_id,
        unshared.start_time,
        case
            when not unshared.in_warehouse then 'not_in_warehouse'
            when not unshared.player_copy then 'not_the_players'
            else 'no_roster'
        end as reason,
        landed_stats.match_id is not null as stats_landed,
        coalesce(landed_stats.lists_owner, false) as roster_landed,
        not unshared.player_copy or coalesce(landed_stats.lists_owner, false) as blocks_verify,
        not (
            unshared.player_copy
            and landed_stats.match_id is not null
            and not coalesce(landed_stats.lists_owner, false)
        ) as sync_again
    from unshared
    left join landed_stats
        on unshared.match_id = landed_stats.match_id
    order by unshared.start_time desc nulls last, unshared.match_id desc
{% endmacro %}
