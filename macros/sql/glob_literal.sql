{#- A path as a glob() pattern that matches that path only (*, ? and [ taken literally). -#}
{% macro glob_literal(path) %}
    {{- return(path | replace('[', '[[]') | replace('*', '[*]') | replace('?', '[?]')) -}}
{% endmacro %}
