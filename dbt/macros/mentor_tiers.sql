{#
    The three mentor tiers of the tiered pairing (program.assignments accepts exactly
    these), in display order, with the labels exports print.
    mentor_tiers() is the list; mentor_tier_rows() renders them as rows
    (tier, tier_label, tier_order) for a CTE.
#}
{% macro mentor_tiers() -%}
    {{ return([
        {'tier': 'peer', 'label': 'Peer mentor (PGY-2/3 resident)'},
        {'tier': 'attending', 'label': 'Senior attending mentor'},
        {'tier': 'chair_sponsor', 'label': 'Department chair sponsor'},
    ]) }}
{%- endmacro %}

{% macro mentor_tier_rows() -%}
    select
        tier,
        tier_label,
        tier_order
    from (
        values
        {%- for row in mentor_tiers() %}
            ('{{ row.tier }}', '{{ row.label }}', {{ loop.index }}){{ ',' if not loop.last }}
        {%- endfor %}
    ) as tiers (tier, tier_label, tier_order)
{%- endmacro %}
