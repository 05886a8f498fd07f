{#-
    The raw input contract (SPEC §3): the nine raw tables, their columns in contract order,
    and which columns are required. Landing, loading and the docs all read it from here.
-#}
{% macro pulse_raw_contract() %}
    {{ return({
        'accounts': {
            'columns': ['account_id', 'account_name', 'parent_account_id', 'plan_tier', 'arr_usd',
                        'seats_purchased', 'industry', 'region', 'csm_owner', 'created_at',
                        'renewal_date', 'churned_at'],
            'required': ['account_id', 'created_at'],
        },
        'visitors': {
            'columns': ['visitor_id', 'account_id', 'email', 'role', 'created_at'],
            'required': ['visitor_id', 'account_id'],
        },
        'events': {
            'columns': ['event_id', 'occurred_at', 'received_at', 'visitor_id', 'account_id',
                        'event_type', 'event_name', 'feature_id', 'properties'],
            'required': ['event_id', 'occurred_at', 'visitor_id', 'event_type'],
            'accepted': {'event_type': ['page_view', 'feature_click', 'track', 'guide_seen', 'guide_dismissed']},
        },
        'features': {
            'columns': ['feature_id', 'feature_name', 'product_area', 'is_core_event'],
            'required': ['feature_id'],
        },
        'nps_responses': {
            'columns': ['response_id', 'visitor_id', 'account_id', 'score', 'comment', 'responded_at'],
            'required': ['response_id', 'visitor_id', 'score', 'responded_at'],
        },
        'poll_responses': {
            'columns': ['response_id', 'poll_id', 'question', 'visitor_id', 'account_id', 'response',
                        'responded_at'],
            'required': ['response_id', 'poll_id', 'visitor_id', 'responded_at'],
        },
        'support_tickets': {
            'columns': ['ticket_id', 'account_id', 'visitor_id', 'opened_at', 'resolved_at', 'status',
                        'priority'],
            'required': ['ticket_id', 'account_id', 'opened_at'],
            'accepted': {'status': ['open', 'pending', 'resolved', 'closed']},
        },
        'crm_activities': {
            'columns': ['activity_id', 'account_id', 'activity_type', 'occurred_at', 'sentiment'],
            'required': ['activity_id', 'account_id', 'occurred_at'],
            'accepted': {'activity_type': ['meeting', 'call', 'email', 'qbr', 'onsite'],
                         'sentiment': ['positive', 'neutral', 'negative']},
        },
        'renewals': {
            'columns': ['account_id', 'renewal_date', 'outcome', 'arr_before_usd', 'arr_after_usd'],
            'required': ['account_id', 'renewal_date', 'outcome'],
            'accepted': {'outcome': ['renewed', 'churned', 'expanded', 'contracted']},
        },
    }) }}
{% endmacro %}

{#- The version of the raw contract: recorded in the run log; a change makes the next run
    rebuild (or refuse) the incremental models built under the old contract. -#}
{% macro pulse_raw_contract_version() %}
    {{ return('2') }}
{% endmacro %}
