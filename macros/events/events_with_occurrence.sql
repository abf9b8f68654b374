{#-
    The events of the CTE `events` (match_id, the signature columns, `copy_order`: the order of
    the events within their copy) with `occurrence`: 1..n among the rows of one copy with the
    same signature, in copy order. One copy per match.
-#}
{% macro events_with_occurrence(events) %}
    select
        * exclude (copy_order),
        cast(
            row_number() over (
                partition by {{ var('event_key')[:-1] | join(', ') }}
                order by copy_order
            ) as integer
        ) as occurrence
    from {{ events }}
{% endmacro %}
