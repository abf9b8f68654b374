-- One row per landed match_stats response (HTTP 200): the match-level facts, parsed from the
-- JSON as received. duration_seconds is MatchInfo.Duration (the real match duration, not
-- end minus start); mode_category is the GameVariantCategory enum name (the seed
-- game_variant_categories: the builds that read the landing load it into scratch).
with responses as (
    {{ landing_table('responses') }}
),

game_variant_categories as (
    {{ landing_seed('game_variant_categories') }}
),

stats_responses as (
    -- match_id from the landing's own column (the writer lower-cases it), so that a filter on
    -- it reaches the scan before any JSON is parsed
    select
        response_id,
        fetched_at,
        fetched_by,
        player_xuid,
        match_id,
        payload -> '$.MatchInfo' as match_info
    from responses
    where
        kind = 'match_stats'
        and http_status = {{ var('http_ok') }}
),

parsed as (
    select
        response_id,
        fetched_at,
        fetched_by,
        player_xuid,
        match_id,
        {{ halo_match_info_columns('match_info') }}
    from stats_responses
),

categorised as (
    select
        parsed.response_id,
        parsed.fetched_at,
        parsed.fetched_by,
        parsed.player_xuid,
        parsed.match_id,
        parsed.start_time,
        parsed.end_time,
        parsed.duration_seconds,
        parsed.lifecycle_mode,
        parsed.game_variant_category,
        game_variant_categories.mode_category,
        parsed.playlist_experience,
        coalesce(
            parsed.game_variant_category = {{ var('firefight_game_variant_category') }}, false
        )
        or coalesce(
            parsed.playlist_experience in ({{ var('pve_playlist_experiences') | join(', ') }}), false
        ) as is_firefight,
        parsed.playlist_id,
        parsed.playlist_version_id,
        parsed.map_id,
        parsed.map_version_id,
        parsed.pair_id,
        parsed.pair_version_id,
        parsed.game_variant_id,
        parsed.game_variant_version_id
    from parsed
    left join game_variant_categories
        on parsed.game_variant_category = game_variant_categories.game_variant_category
)

select * from categorised
