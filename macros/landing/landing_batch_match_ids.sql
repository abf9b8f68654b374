{#-
    A subquery of the matches this phase-3 build can merge: every match with a response landed
    after the high-water mark (its own match_id column), and every match of a row of a history
    page landed after it. None when the build has no such bound: outside a build that merges
    (a checklist run checks every landed match), with --vars '{reprocess: true}', or before the
    first landing merge. landing_table() keeps the landing's per-match rows to these matches, so
    that a sync parses the JSON of its own matches and not of every match ever landed
    (int_matches_changed picks the batch out of them as before). The high-water mark is a
    number; nothing else is rendered into the SQL.
-#}
{% macro landing_batch_match_ids() %}
    {%- if not execute or not run_batch_only() -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set high_water_mark = landing_high_water_mark() -%}
    {%- if high_water_mark == 0 -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set responses = source('halo_api', 'responses') -%}
    {%- set sql -%}
        select landed.match_id
        from {{ responses }} as landed
        where landed.response_id > {{ high_water_mark }} and landed.match_id is not null
        union
        select lower(results.history_row ->> '$.MatchId')
        from {{ responses }} as pages
        cross join unnest(json_extract(pages.payload, '$.Results[*]')) as results (history_row)
        where
            pages.response_id > {{ high_water_mark }}
            and pages.kind = 'match_history'
            and pages.http_status = {{ var('http_ok') }}
    {%- endset -%}
    {{- return(sql) -}}
{% endmacro %}
