{#-
    The start of a phase-3 checklist test's `with`: the import CTEs landed_history,
    landed_stats and landed_roster (stg_halo_api__match_history, __match_stats,
    __match_participants), then tracked_copies: one row per copy of a match the landing gives a
    tracked player (match_id, player_xuid), a row of their landed history or stats they fetched
    while in the match's roster. The five phase-3 tests share this one definition.
-#}
{% macro landed_tracked_copies() %}
    landed_history as (
        select * from {{ ref('stg_halo_api__match_history') }}
    ),

    landed_stats as (
        select * from {{ ref('stg_halo_api__match_stats') }}
    ),

    landed_roster as (
        select * from {{ ref('stg_halo_api__match_participants') }}
    ),

    tracked_copies as (
        select
            landed_history.match_id,
            landed_history.player_xuid
        from landed_history
        where landed_history.match_id is not null and landed_history.player_xuid is not null
        union
        select
            landed_stats.match_id,
            landed_stats.player_xuid
        from landed_stats
        inner join landed_roster
            on
                landed_stats.response_id = landed_roster.response_id
                and landed_stats.player_xuid = landed_roster.xuid
    )
{%- endmacro %}
