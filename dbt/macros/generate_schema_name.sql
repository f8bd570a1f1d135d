{#
    Models land in the schema their folder names (staging, intermediate, marts),
    not in "<target schema>_<custom schema>": the warehouse's schemas and grants
    are fixed by the platform's migrations.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
