{#-
    The newest landed response of each `partition_by` among the rows of the CTE `rows_cte`
    whose match is in this run's batch (the CTE batch_matches): the landing's rule that the
    latest response wins. Goes in a CTE body.
-#}
{% macro latest_of_batch(rows_cte, partition_by=['match_id']) %}
    select {{ rows_cte }}.*
    from {{ rows_cte }}
    semi join batch_matches
        on {{ rows_cte }}.match_id = batch_matches.match_id
    qualify row_number() over (
        partition by
            {%- for column in partition_by %} {{ rows_cte }}.{{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        order by {{ rows_cte }}.response_id desc
    ) = 1
{%- endmacro %}
