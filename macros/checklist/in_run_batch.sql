{#-
    The rows of the CTE `rows_cte` whose match is in this run's batch when run_batch_only()
    (inside `dbt build`), else every row. Goes in a test's `from` clause.
-#}
{% macro in_run_batch(rows_cte) -%}
    {{ rows_cte }}
    {%- if run_batch_only() %}
        semi join {{ ref('int_matches_changed') }} as run_batch
            on {{ rows_cte }}.match_id = run_batch.match_id
    {%- endif %}
{%- endmacro %}
