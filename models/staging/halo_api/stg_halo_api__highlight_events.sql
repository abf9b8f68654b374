-- One row per decoded highlight event of each match whose film is loaded: the events of
-- the match's latest chunk, as its latest decode gave them (one actor per event; a kill is
-- a `kill` row for the killer and a `death` row for the victim).
with film_events as (
    {{ landing_table('film_events') }}
),

films as (
    select * from {{ ref('stg_halo_api__films') }}
),

loaded_films as (
    select
        chunk_response_id,
        decoder
    from films
    where film_state = 'loaded'
),

events as (
    select
        film_events.response_id,
        film_events.match_id,
        film_events.event_no,
        lower(film_events.event_type) as event_type,
        film_events.time_ms,
        film_events.xuid,
        film_events.gamertag,
        film_events.type_hint,
        film_events.is_medal,
        film_events.medal_value,
        film_events.medal_name
    from film_events
    inner join loaded_films
        on
            film_events.response_id = loaded_films.chunk_response_id
            and film_events.decoder = loaded_films.decoder
)

select * from events
