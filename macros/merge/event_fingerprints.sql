{#-
    One row per match of the CTE `hashed_events` (match_id, row_hash = event_row_hash()): how
    many events and an order-free fingerprint of them (the sum of the row hashes). Two sets
    of events with the same count and fingerprint are the same, up to a hash collision.
-#}
{% macro event_fingerprints(hashed_events) %}
    select
        match_id,
        count(*) as event_count,
        sum(row_hash) as fingerprint
    from {{ hashed_events }}
    group by match_id
{% endmacro %}
