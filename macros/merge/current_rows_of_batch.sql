{#-
    The current rows of the shared table being built ({{ this }}) for this run's matches (CTE
    `batch_matches`): what an incremental run merges its incoming rows with; no rows on a
    first build (the table does not exist yet).
-#}
{% macro current_rows_of_batch(incoming) %}
    {%- if is_incremental() -%}
        select current_table.*
        from {{ this }} as current_table
        semi join batch_matches
            on current_table.match_id = batch_matches.match_id
    {%- else -%}
        select * from {{ incoming }}
        where false
    {%- endif -%}
{% endmacro %}
