-- One row per match with a landed film_manifest (or film_chunk) response: the latest
-- manifest and the latest chunk (a match landed twice: the latest response wins), and the
-- state of its highlight events:
--   loaded         the chunk's latest decode succeeded (0 or more events)
--   not_found      the manifest, or the chunk, was a 404
--   no_highlights  the manifest names no highlight-events chunk (its last chunk by Index is
--                  not of the highlight-events type, as spnkr's Film.highlight_events_url)
--   undecodable    the chunk was landed but its latest decode failed
--   pending        the manifest names a highlight-events chunk that is not landed (or not
--                  decoded) yet
with responses as (
    {{ landing_table('responses') }}
),

film_decodes as (
    {{ landing_table('film_decodes') }}
),

manifests as (
    select
        match_id,
        response_id,
        http_status,
        payload
    from responses
    where kind = 'film_manifest'
    qualify row_number() over (
        partition by match_id order by fetched_at desc, response_id desc
    ) = 1
),

chunks as (
    select
        match_id,
        response_id,
        http_status,
        film_version
    from responses
    where kind = 'film_chunk'
    qualify row_number() over (
        partition by match_id order by fetched_at desc, response_id desc
    ) = 1
),

latest_decodes as (
    select
        response_id,
        decoder,
        event_count,
        error
    from film_decodes
    qualify row_number() over (
        partition by response_id order by decoded_at desc, decoder desc
    ) = 1
),

last_manifest_chunks as (
    select
        manifests.match_id,
        try_cast(manifest_chunks.chunk ->> '$.ChunkType' as integer) as chunk_type
    from manifests
    cross join
        unnest(json_extract(manifests.payload, '$.CustomData.Chunks[*]'))
        with ordinality as manifest_chunks (chunk, chunk_no)
    qualify row_number() over (
        partition by manifests.match_id
        order by try_cast(manifest_chunks.chunk ->> '$.Index' as integer) desc, manifest_chunks.chunk_no desc
    ) = 1
),

film_matches as (
    select match_id from manifests
    union
    select match_id from chunks
),

film_states as (
    select
        film_matches.match_id,
        manifests.response_id as manifest_response_id,
        chunks.response_id as chunk_response_id,
        coalesce(
            chunks.film_version,
            try_cast(manifests.payload ->> '$.CustomData.FilmMajorVersion' as integer)
        ) as film_version,
        case
            when manifests.http_status = {{ var('http_not_found') }} then 'not_found'
            when manifests.http_status != {{ var('http_ok') }} then 'pending'
            when
                manifests.response_id is not null
                and coalesce(last_manifest_chunks.chunk_type != {{ var('highlight_events_chunk_type') }}, true)
                then 'no_highlights'
            when chunks.response_id is null then 'pending'
            when chunks.http_status = {{ var('http_not_found') }} then 'not_found'
            when latest_decodes.response_id is null then 'pending'
            when latest_decodes.error is not null then 'undecodable'
            else 'loaded'
        end as film_state,
        latest_decodes.decoder,
        latest_decodes.event_count,
        latest_decodes.error as decode_error
    from film_matches
    left join manifests on film_matches.match_id = manifests.match_id
    left join last_manifest_chunks on film_matches.match_id = last_manifest_chunks.match_id
    left join chunks on film_matches.match_id = chunks.match_id
    left join latest_decodes on chunks.response_id = latest_decodes.response_id
)

select * from film_states
