{#-
    The latest landed stats response of each tracked match: the rows of the CTE landed_stats
    whose match is in tracked_copies (both from landed_tracked_copies()), the newest response
    of a match only. Goes in a CTE body.
-#}
{% macro landed_latest_stats() %}
    select landed_stats.*
    from landed_stats
    semi join tracked_copies
        on landed_stats.match_id = tracked_copies.match_id
    qualify row_number() over (
        partition by landed_stats.match_id order by landed_stats.response_id desc
    ) = 1
{%- endmacro %}
