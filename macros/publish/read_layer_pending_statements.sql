{#-
    The statements that record, in the warehouse, what the read layer must write again once
    this run's batches are published: one row per (shared table, match) of every staged batch
    keyed by match, one row (match_id NULL) per other staged batch (xuid_aliases), numbered by
    a sequence. They run in the publish's own transaction (publish_staged_batches), so the
    record and the rows it speaks of are committed together; `shared_matches.read_layer`
    writes the files of the rows numbered past the layer's mark (its manifest), then moves the
    mark: it only reads the warehouse.
-#}
{% macro read_layer_pending_statements(results) %}
    {%- set pending = target.database ~ '.main.' ~ adapter.quote(var('read_layer_pending_table')) -%}
    {%- set sequence = target.database ~ '.main.' ~ adapter.quote(var('read_layer_pending_table') ~ '_seq') -%}
    {%- set statements = [
        'create sequence if not exists ' ~ sequence,
        'create table if not exists ' ~ pending
        ~ ' (pending_id bigint not null default nextval(' ~ sql_string(var('read_layer_pending_table') ~ '_seq')
        ~ '), table_name varchar not null, match_id varchar, recorded_at timestamp not null)',
    ] -%}
    {%- for result in results
        if result.node.resource_type == 'model'
        and result.node.config.incremental_strategy == 'stage'
        and result.status == 'success'
        and batch_exists(result.node.alias) -%}
        {%- set key = result.node.config.unique_key -%}
        {%- set key = [key] if key is string else key -%}
        {%- set batch = batch_relation(result.node.alias) -%}
        {%- if 'match_id' in key -%}
            {%- do statements.append(
                'insert into ' ~ pending ~ ' (table_name, match_id, recorded_at) select distinct '
                ~ sql_string(result.node.alias) ~ ', match_id, now()::timestamp from ' ~ batch) -%}
        {%- else -%}
            {%- do statements.append(
                'insert into ' ~ pending ~ ' (table_name, match_id, recorded_at) select '
                ~ sql_string(result.node.alias) ~ ', null, now()::timestamp from ' ~ batch
                ~ ' limit 1') -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(statements) -}}
{% endmacro %}
