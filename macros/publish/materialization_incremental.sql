{#-
    The incremental materialization of the shared models (write-audit-publish), in place of
    dbt-duckdb's. The first build (no table yet: phase 1) creates the table with its contract
    (columns, NOT NULL, primary key) as dbt's own does. Every later build hands the model's rows
    to its incremental strategy (`stage`: the batch table of the in-memory scratch database) in
    ONE statement: dbt-duckdb's version first writes them to a temporary table, then reads the
    columns of both tables three times to compare schemas, then copies them again (five extra
    queries per shared model and run). The columns are checked when the batch is published
    (insert by name fails on a column the table lacks) and by the phase-1 checklist. A full
    refresh of a shared table is refused: the warehouse is the only copy of merged data.
-#}
{% materialization incremental, adapter='duckdb' %}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- if existing_relation is not none and should_full_refresh() -%}
        {{ exceptions.raise_compiler_error(
            'The shared table ' ~ this ~ ' is never rebuilt from scratch (--full-refresh): it is '
            ~ 'the only copy of the merged data. Rebuild the warehouse with a new data dir instead.'
        ) }}
    {%- endif -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- if existing_relation is none -%}
        {%- set build_sql = create_table_as(False, target_relation, compiled_code) -%}
    {%- else -%}
        {%- set strategy = config.get('incremental_strategy') or 'default' -%}
        {%- set strategy_sql = adapter.get_incremental_strategy_macro(context, strategy) -%}
        {%- set build_sql = strategy_sql({
            'target_relation': target_relation,
            'temp_relation': '(\n' ~ compiled_code ~ '\n)',
            'unique_key': config.get('unique_key'),
            'dest_columns': none,
            'incremental_predicates': none,
        }) -%}
    {%- endif -%}

    {% call statement('main') %}
        {{- build_sql }}
    {% endcall %}

    {%- if existing_relation is none -%}
        {% do create_indexes(target_relation) %}
    {%- endif -%}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do adapter.commit() %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
