{#-
    The columns of a match that its MatchInfo (a JSON expression) gives, the same in a history
    row and a stats response: start_time, end_time, duration_seconds (MatchInfo.Duration),
    lifecycle_mode, game_variant_category, playlist_experience, then the asset versions it
    refers to: playlist, map, pair (map-mode pair) and game_variant, each as <kind>_id and
    <kind>_version_id, lower case; NULL when absent (custom games have no playlist nor pair).
-#}
{% macro halo_match_info_columns(match_info) %}
    {%- set assets = {
        'playlist': 'Playlist',
        'map': 'MapVariant',
        'pair': 'PlaylistMapModePair',
        'game_variant': 'UgcGameVariant',
    } -%}
    {{ halo_timestamp(match_info ~ " ->> '$.StartTime'") }} as start_time,
    {{ halo_timestamp(match_info ~ " ->> '$.EndTime'") }} as end_time,
    {{ halo_duration_seconds(match_info ~ " ->> '$.Duration'") }} as duration_seconds,
    try_cast({{ match_info }} ->> '$.LifecycleMode' as integer) as lifecycle_mode,
    try_cast({{ match_info }} ->> '$.GameVariantCategory' as integer) as game_variant_category,
    try_cast({{ match_info }} ->> '$.PlaylistExperience' as integer) as playlist_experience,
    {%- for kind, field in assets.items() %}
        nullif(lower({{ match_info }} ->> '$.{{ field }}.AssetId'), '') as {{ kind }}_id,
        nullif(lower({{ match_info }} ->> '$.{{ field }}.VersionId'), '') as {{ kind }}_version_id
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
{% endmacro %}
