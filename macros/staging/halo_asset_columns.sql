{#-
    The asset versions a match refers to, from its MatchInfo (a JSON expression): playlist,
    map, pair (map-mode pair) and game_variant, each as <kind>_id and <kind>_version_id,
    lower case; NULL when absent (custom games have no playlist nor pair).
-#}
{% macro halo_asset_columns(match_info) %}
    {%- set assets = {
        'playlist': 'Playlist',
        'map': 'MapVariant',
        'pair': 'PlaylistMapModePair',
        'game_variant': 'UgcGameVariant',
    } -%}
    {%- for kind, field in assets.items() %}
        nullif(lower({{ match_info }} ->> '$.{{ field }}.AssetId'), '') as {{ kind }}_id,
        nullif(lower({{ match_info }} ->> '$.{{ field }}.VersionId'), '') as {{ kind }}_version_id
        {%- if not loop.last %},{% endif %}
    {%- endfor %}
{% endmacro %}
