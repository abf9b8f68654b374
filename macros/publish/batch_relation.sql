{#-
    Where a shared model stages the rows of this run before they are published: a table
    `<model>__batch` in the in-memory `scratch` database (never in the warehouse file).
-#}
{% macro batch_relation(identifier) %}
    {{- return(api.Relation.create(
        database=var('scratch_database'),
        schema='main',
        identifier=identifier ~ '__batch',
    )) -}}
{% endmacro %}
