{#-
    Incremental strategy `stage` of the shared models (write-audit-publish). An incremental run
    does not touch the shared table: the rows the model computed (new keys and changed rows,
    with their merged values) are written to its batch table (batch_relation). The checklist
    tests of the build audit shared table + batch, and the on-run-end hook
    publish_staged_batches() moves every batch into its table in one transaction, only when
    every node of the build succeeded. A first build (no table yet) creates the table as usual.
    `temp_relation`: the model's rows (its compiled query, in parentheses: the materialization
    in materialization_incremental.sql writes them once).
-#}
{% macro get_incremental_stage_sql(arg_dict) %}
    {%- set batch = batch_relation(arg_dict['target_relation'].identifier) -%}
    create schema if not exists {{ batch.database }}.{{ batch.schema }};
    create or replace table {{ batch }} as
    select * from {{ arg_dict['temp_relation'] }}
{% endmacro %}
