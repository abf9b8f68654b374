{#-
    The landed match_stats responses that succeeded (HTTP 200), from `responses` (a CTE over
    the halo_api responses table): response_id, match_id (the payload's MatchId, lower-cased)
    and the JSON payload. Goes in a CTE body; the halo_api staging models of a match's teams,
    players and medals read it.
-#}
{% macro landed_stats_responses(responses) %}
    select
        response_id,
        lower(payload ->> '$.MatchId') as match_id,
        payload
    from {{ responses }}
    where
        kind = 'match_stats'
        and http_status = {{ var('http_ok') }}
{%- endmacro %}
