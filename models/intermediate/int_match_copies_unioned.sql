-- One row per copy of a match merged in this run: a tracked player's view of the
-- match-level facts, whatever the source. From a player DB: the owner's match_stats row (one
-- copy per match). From the landing: every tracked player whose newly landed history lists
-- the match, or who fetched its stats while in its roster, with the facts of the match's
-- latest stats response (else of the history row), the asset names landed for those asset
-- versions (else for another version of the asset), and the state of its film.
with batch_matches as (
    select * from {{ ref('int_matches_changed') }}
),

player_match_stats as (
    select * from {{ staged(ref('stg_player_db__match_stats')) }}
),

owners as (
    select * from {{ ref('int_owners_resolved') }}
),

api_history as (
    -- history pages landed since the last merge (a literal bound: the scan skips the rest)
    select * from {{ staged(ref('stg_halo_api__match_history')) }}
    where response_id > {{ landing_high_water_mark() }}
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

api_films as (
    select * from {{ staged(ref('stg_halo_api__films')) }}
),

asset_names as (
    select * from {{ staged(ref('stg_halo_api__asset_names')) }}
),

game_variant_categories as (
    {{ landing_seed('game_variant_categories') }}
),

player_copies as (
    select
        match_stats.match_id,
        owners.owner_xuid as player_xuid,
        owners.owner_gamertag as player_gamertag,
        '{{ var("player_db_source") }}' as source_kind,
        match_stats.created_at as first_synced_at,
        match_stats.updated_at as copy_updated_at,
        match_stats.team_id,
        match_stats.start_time,
        match_stats.end_time,
        cast(null as double) as duration_seconds,
        match_stats.playlist_id,
        match_stats.playlist_name,
        match_stats.map_id,
        match_stats.map_name,
        match_stats.pair_id,
        match_stats.pair_name,
        match_stats.game_variant_id,
        match_stats.game_variant_name,
        match_stats.mode_category,
        match_stats.is_ranked,
        match_stats.is_firefight,
        match_stats.backfill_completed,
        cast(null as varchar) as film_state
    from player_match_stats as match_stats
    cross join owners
    semi join batch_matches
        on match_stats.match_id = batch_matches.match_id
    qualify row_number() over (
        partition by match_stats.match_id order by match_stats.updated_at desc nulls last
    ) = 1
),

latest_stats as (
    {{ latest_of_batch('api_stats') }}
),

latest_participants as (
    select api_participants.*
    from api_participants
    semi join latest_stats
        on api_participants.response_id = latest_stats.response_id
),

history_copies as (
    select
        match_id,
        player_xuid,
        arg_max(fetched_by, response_id) as player_gamertag,
        min(fetched_at) as first_synced_at,
        max(fetched_at) as updated_at,
        arg_max(team_id, response_id) as team_id,
        arg_max(start_time, response_id) as start_time,
        arg_max(end_time, response_id) as end_time,
        arg_max(duration_seconds, response_id) as duration_seconds,
        arg_max(lifecycle_mode, response_id) as lifecycle_mode,
        arg_max(game_variant_category, response_id) as game_variant_category,
        arg_max(playlist_experience, response_id) as playlist_experience,
        arg_max(playlist_id, response_id) as playlist_id,
        arg_max(playlist_version_id, response_id) as playlist_version_id,
        arg_max(map_id, response_id) as map_id,
        arg_max(map_version_id, response_id) as map_version_id,
        arg_max(pair_id, response_id) as pair_id,
        arg_max(pair_version_id, response_id) as pair_version_id,
        arg_max(game_variant_id, response_id) as game_variant_id,
        arg_max(game_variant_version_id, response_id) as game_variant_version_id
    from api_history
    where match_id is not null and player_xuid is not null
    group by match_id, player_xuid
),

fetcher_copies as (
    -- a stats response fetched for a tracked player who is in its roster (an ingest of
    -- recorded responses may have no history row for it)
    select
        latest_stats.match_id,
        latest_stats.player_xuid,
        latest_stats.fetched_by as player_gamertag,
        latest_stats.fetched_at as first_synced_at,
        latest_stats.fetched_at as updated_at,
        latest_participants.team_id
    from latest_stats
    inner join latest_participants
        on
            latest_stats.response_id = latest_participants.response_id
            and latest_stats.player_xuid = latest_participants.xuid
),

api_copy_keys as (
    select
        match_id,
        player_xuid,
        player_gamertag,
        first_synced_at,
        updated_at,
        team_id
    from history_copies
    union all by name
    select
        match_id,
        player_xuid,
        player_gamertag,
        first_synced_at,
        updated_at,
        team_id
    from fetcher_copies
),

api_copies_deduped as (
    select
        match_id,
        player_xuid,
        arg_max(player_gamertag, updated_at) as player_gamertag,
        min(first_synced_at) as first_synced_at,
        max(updated_at) as updated_at,
        arg_max(team_id, updated_at) filter (where team_id is not null) as team_id
    from api_copy_keys
    group by match_id, player_xuid
),

skill_entries as (
    select distinct
        api_skill.match_id,
        api_skill.xuid
    from api_skill
    semi join batch_matches
        on api_skill.match_id = batch_matches.match_id
),

api_copy_facts as (
    select
        copies.match_id,
        copies.player_xuid,
        copies.player_gamertag,
        copies.first_synced_at,
        greatest(copies.updated_at, latest_stats.fetched_at) as copy_updated_at,
        copies.team_id,
        coalesce(latest_stats.start_time, history.start_time) as start_time,
        coalesce(latest_stats.end_time, history.end_time) as end_time,
        coalesce(latest_stats.duration_seconds, history.duration_seconds) as duration_seconds,
        coalesce(latest_stats.lifecycle_mode, history.lifecycle_mode) as lifecycle_mode,
        coalesce(latest_stats.game_variant_category, history.game_variant_category)
            as game_variant_category,
        coalesce(latest_stats.playlist_experience, history.playlist_experience)
            as playlist_experience,
        {%- for asset in ['playlist', 'map', 'pair', 'game_variant'] %}
            coalesce(latest_stats.{{ asset }}_id, history.{{ asset }}_id) as {{ asset }}_id,
            coalesce(latest_stats.{{ asset }}_version_id, history.{{ asset }}_version_id)
                as {{ asset }}_version_id,
        {%- endfor %}
        latest_stats.response_id is not null as has_stats,
        skill_entries.xuid is not null as has_skill
    from api_copies_deduped as copies
    left join latest_stats
        on copies.match_id = latest_stats.match_id
    left join history_copies as history
        on
            copies.match_id = history.match_id
            and copies.player_xuid = history.player_xuid
    left join skill_entries
        on
            copies.match_id = skill_entries.match_id
            and copies.player_xuid = skill_entries.xuid
),

latest_asset_names as (
    -- the name of every asset version landed, and the latest name of each asset
    select
        asset_kind,
        asset_id,
        version_id,
        arg_max(public_name, fetched_at) as public_name
    from asset_names
    where public_name is not null
    group by asset_kind, asset_id, version_id
),

latest_names_by_asset as (
    select
        asset_kind,
        asset_id,
        arg_max(public_name, fetched_at) as public_name
    from asset_names
    where public_name is not null
    group by asset_kind, asset_id
),

api_copies_named as (
    select
        facts.*,
        {%- for asset in ['playlist', 'map', 'pair', 'game_variant'] %}
            coalesce({{ asset }}_version.public_name, {{ asset }}_any.public_name)
                as {{ asset }}_name{% if not loop.last %},{% endif %}
        {%- endfor %}
    from api_copy_facts as facts
    {% for asset in ['playlist', 'map', 'pair', 'game_variant'] %}
        left join latest_asset_names as {{ asset }}_version
            on
                {{ asset }}_version.asset_kind = '{{ asset }}'
                and facts.{{ asset }}_id = {{ asset }}_version.asset_id
                and facts.{{ asset }}_version_id = {{ asset }}_version.version_id
        left join latest_names_by_asset as {{ asset }}_any
            on
                {{ asset }}_any.asset_kind = '{{ asset }}'
                and facts.{{ asset }}_id = {{ asset }}_any.asset_id
    {% endfor %}
),

api_copies as (
    select
        named.match_id,
        named.player_xuid,
        named.player_gamertag,
        '{{ var("halo_api_source") }}' as source_kind,
        named.first_synced_at,
        named.copy_updated_at,
        named.team_id,
        named.start_time,
        named.end_time,
        named.duration_seconds,
        named.playlist_id,
        named.playlist_name,
        named.map_id,
        named.map_name,
        named.pair_id,
        named.pair_name,
        named.game_variant_id,
        named.game_variant_name,
        categories.mode_category,
        case
            when named.lifecycle_mode = {{ var('custom_game_lifecycle_mode') }} then false
            else contains(lower(named.playlist_name), '{{ var("ranked_playlist_word") }}')
        end as is_ranked,
        named.game_variant_category = {{ var('firefight_game_variant_category') }}
        or named.playlist_experience in {{ sql_list(var('pve_playlist_experiences')) }}
            as is_firefight,
        (
            {{ var('backfill_bits')['participants'] }}
            | {{ var('backfill_bits')['aliases'] }}
            | case when named.has_stats then {{ var('backfill_bits')['medals'] }} else 0 end
            | case when named.has_skill then {{ var('backfill_bits')['skill'] }} else 0 end
            | case
                when films.film_state = '{{ var("film_loaded") }}'
                    then {{ var('backfill_bits')['events'] }}
                else 0
            end
        ) as backfill_completed,
        films.film_state
    from api_copies_named as named
    left join game_variant_categories as categories
        on named.game_variant_category = categories.game_variant_category
    left join api_films as films
        on named.match_id = films.match_id
),

unioned as (
    select * from player_copies
    union all by name
    select * from api_copies
)

select * from unioned
