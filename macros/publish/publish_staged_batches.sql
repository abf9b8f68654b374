{#-
    on-run-end: publish what the build staged, in ONE transaction, only when every node of the
    invocation succeeded (models built, checklist tests green). Each batch replaces the rows of
    its keys in its shared table (delete + insert). A failure or a kill before the commit leaves
    every shared table exactly as it was (the batches live in the in-memory scratch database
    and vanish with the process).
-#}
{% macro publish_staged_batches(results) %}
    {%- if execute and target.name != 'lint' -%}
        {%- set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error']) | list -%}
        {%- set statements = [] -%}
        {%- for result in results
            if result.node.resource_type == 'model'
            and result.node.config.incremental_strategy == 'stage'
            and result.status == 'success' -%}
            {%- set table = api.Relation.create(
                database=target.database, schema=target.schema, identifier=result.node.alias) -%}
            {%- set batch = batch_relation(result.node.alias) -%}
            {%- if batch_exists(result.node.alias) -%}
                {%- set key = result.node.config.unique_key -%}
                {%- set key = [key] if key is string else key -%}
                {%- do statements.append(
                    'delete from ' ~ table ~ ' as current_rows using ' ~ batch ~ ' as batch_rows'
                    ~ ' where ' ~ null_safe_equal('current_rows', 'batch_rows', key)) -%}
                {%- do statements.append('insert into ' ~ table ~ ' by name select * from ' ~ batch) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if statements -%}
            {#- the read layer's files of these matches are written again after the commit
                (read_layer.py); recorded in the same transaction, so that a kill between
                the commit and that export is finished by the next command -#}
            {%- do statements.extend(read_layer_pending_statements(results)) -%}
        {%- endif -%}
        {%- if statements and not failed -%}
            {%- do run_query('begin transaction;\n' ~ statements | join(';\n') ~ ';\ncommit') -%}
        {%- endif -%}
    {%- endif -%}
    select 1
{% endmacro %}
