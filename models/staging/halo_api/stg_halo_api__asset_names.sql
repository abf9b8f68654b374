-- One row per landed asset response (playlist, map, map-mode pair, game variant version):
-- its public name. A 404 (an asset the API lacks) gives the asked ids and a NULL name.
with responses as (
    {{ landing_table('responses') }}
),

asset_responses as (
    select
        response_id,
        case kind
            {%- for kind, asset_kind in var('landing_asset_kinds').items() %}
                when '{{ kind }}' then '{{ asset_kind }}'
            {%- endfor %}
        end as asset_kind,
        request,
        payload,
        fetched_at
    from responses
    where http_status in ({{ var('http_ok') }}, {{ var('http_not_found') }})
),

named as (
    select
        response_id,
        asset_kind,
        coalesce(
            nullif(lower(payload ->> '$.AssetId'), ''), nullif(lower(split_part(request, '/', 1)), '')
        ) as asset_id,
        coalesce(
            nullif(lower(payload ->> '$.VersionId'), ''), nullif(lower(split_part(request, '/', 2)), '')
        ) as version_id,
        payload ->> '$.PublicName' as public_name,
        fetched_at
    from asset_responses
    where asset_kind is not null
)

select * from named
