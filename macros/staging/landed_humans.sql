{#-
    The human players of the CTE `stats_responses` (landed_stats_responses()): one row per entry
    of a response's Players[] with a xuid (bots, bid(..), have none): response_id, match_id,
    player_no (the entry's position), player (its JSON) and xuid. Goes in a CTE body.
-#}
{% macro landed_humans(stats_responses) %}
    select *
    from (
        select
            {{ stats_responses }}.response_id,
            {{ stats_responses }}.match_id,
            players.player_no,
            players.player,
            {{ halo_xuid("players.player ->> '$.PlayerId'") }} as xuid
        from {{ stats_responses }}
        cross join
            unnest(json_extract({{ stats_responses }}.payload, '$.Players[*]'))
            with ordinality as players (player, player_no)
    ) as roster
    where roster.xuid is not null
{%- endmacro %}
