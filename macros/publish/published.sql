{#-
    A shared table as this run will publish it: its batch (staged earlier in the same build)
    over the table's current rows, a batch row replacing the current row of the same key.
    Models downstream of a shared model (the registry reads match_players ...) and the
    checklist tests of a build read shared tables through this. Outside a build that staged
    the model (dbt test, a later invocation) it is the table itself.
-#}
{% macro published(relation) %}
    {%- set node = graph.get('nodes', {}).get('model.' ~ project_name ~ '.' ~ relation.identifier) if execute else none -%}
    {%- set batch = batch_relation(relation.identifier) -%}
    {%- set staged = batch_exists(relation.identifier) -%}
    {%- if not staged or node is none -%}
        {{- return(relation) -}}
    {%- endif -%}
    {%- set key = node.config.unique_key -%}
    {%- set key = [key] if key is string else key -%}
    {{- return(
        '(select * from ' ~ batch ~ ' union all by name select current_rows.* from '
        ~ relation ~ ' as current_rows anti join ' ~ batch ~ ' as batch_rows on '
        ~ null_safe_equal('current_rows', 'batch_rows', key) ~ ')'
    ) -}}
{% endmacro %}
