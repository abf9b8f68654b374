-- One row per result row of a landed match_history response (a page of one player's
-- history): the match, its times, mode and assets, and that player's team, outcome and rank.
with responses as (
    {{ landing_table('responses') }}
),

history_pages as (
    select
        response_id,
        fetched_at,
        fetched_by,
        player_xuid,
        payload
    from responses
    where
        kind = 'match_history'
        and http_status = {{ var('http_ok') }}
),

history_rows as (
    select
        history_pages.response_id,
        history_pages.fetched_at,
        history_pages.fetched_by,
        history_pages.player_xuid,
        results.history_row,
        results.history_row -> '$.MatchInfo' as match_info
    from history_pages
    cross join unnest(json_extract(history_pages.payload, '$.Results[*]')) as results (history_row)
),

parsed as (
    select
        response_id,
        fetched_at,
        fetched_by,
        player_xuid,
        lower(history_row ->> '$.MatchId') as match_id,
        {{ halo_match_info_columns('match_info') }},
        try_cast(history_row ->> '$.LastTeamId' as integer) as team_id,
        try_cast(history_row ->> '$.Outcome' as integer) as outcome,
        try_cast(history_row ->> '$.Rank' as integer) as rank,
        try_cast(history_row ->> '$.PresentAtEndOfMatch' as boolean) as is_present_at_end
    from history_rows
)

select * from parsed
