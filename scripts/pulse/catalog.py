"""The product catalogue of the synthetic "Customer Pulse" product, as plain constants.

The generator (`pulse.generate`) draws every feature, page, setup step, value event, guide,
role and plan tier from here, and the dbt seeds (feature -> maturity category, setup steps,
value events, ...) must list the same values. Keep this module free of logic: only data.

Conventions
- ids are lower snake case and never contain a comma or a quote;
- the order of `FEATURES`, `SETUP_STEPS` etc. is meaningful (setup steps are ordered) and the
  generator depends on it: append new entries at the end.
"""

from __future__ import annotations

from typing import NamedTuple


class Feature(NamedTuple):
    feature_id: str
    feature_name: str
    product_area: str
    is_core_event: bool


class Page(NamedTuple):
    page_name: str  # the event_name of a `page_view` event
    path: str  # the "path" in the event properties


class SetupStep(NamedTuple):
    step_number: int
    step_name: str
    event_type: str  # the event that marks the step done ...
    event_name: str  # ... matched on event_type + event_name (feature_id empty)
    feature_id: str | None


class Guide(NamedTuple):
    guide_id: str  # the event_name of `guide_seen` / `guide_dismissed` events
    guide_name: str


class PlanTier(NamedTuple):
    plan_tier: str
    seats_min: int
    seats_max: int
    arr_min_usd: int
    arr_max_usd: int


class Poll(NamedTuple):
    poll_id: str
    question: str
    answers: tuple[str, ...]


# --- Product areas = the 5 maturity categories -------------------------------------------------
PRODUCT_AREAS: tuple[str, ...] = (
    "analytics",
    "collaboration",
    "automation",
    "integrations",
    "administration",
)

# --- Products (the optional features.product column and subscriptions.product) -------------
# each product area belongs to one product an account can subscribe to separately
AREA_PRODUCTS: dict[str, str] = {
    "analytics": "pulse",
    "collaboration": "pulse",
    "automation": "pulse automate",
    "integrations": "pulse automate",
    "administration": "pulse",
}
PRODUCTS: tuple[str, ...] = ("pulse", "pulse automate")

# --- Features: 25 features, 5 per product area, exactly 5 core --------------------------------
FEATURES: tuple[Feature, ...] = (
    # analytics
    Feature("dashboard_view", "Dashboards", "analytics", True),
    Feature("report_builder", "Report builder", "analytics", True),
    Feature("chart_drilldown", "Chart drill-down", "analytics", False),
    Feature("saved_filters", "Saved filters", "analytics", False),
    Feature("data_export", "Data export", "analytics", False),
    # collaboration
    Feature("share_link", "Share link", "collaboration", True),
    Feature("comments", "Comments", "collaboration", False),
    Feature("mentions", "Mentions", "collaboration", False),
    Feature("team_spaces", "Team spaces", "collaboration", False),
    Feature("annotations", "Annotations", "collaboration", False),
    # automation
    Feature("alert_rules", "Alert rules", "automation", True),
    Feature("scheduled_reports", "Scheduled reports", "automation", False),
    Feature("workflow_builder", "Workflow builder", "automation", False),
    Feature("anomaly_detection", "Anomaly detection", "automation", False),
    Feature("playbooks", "Playbooks", "automation", False),
    # integrations
    Feature("data_connector", "Data connectors", "integrations", True),
    Feature("api_keys", "API keys", "integrations", False),
    Feature("webhooks", "Webhooks", "integrations", False),
    Feature("crm_sync", "CRM sync", "integrations", False),
    Feature("slack_app", "Slack app", "integrations", False),
    # administration
    Feature("user_management", "User management", "administration", False),
    Feature("sso_settings", "SSO settings", "administration", False),
    Feature("audit_log", "Audit log", "administration", False),
    Feature("billing_settings", "Billing settings", "administration", False),
    Feature("roles_permissions", "Roles & permissions", "administration", False),
)

CORE_FEATURE_IDS: tuple[str, ...] = tuple(f.feature_id for f in FEATURES if f.is_core_event)

# --- Pages (event_name of page_view events) ----------------------------------------------------
PAGES: tuple[Page, ...] = (
    Page("home", "/"),
    Page("dashboards", "/dashboards"),
    Page("dashboard_detail", "/dashboards/detail"),
    Page("reports", "/reports"),
    Page("report_editor", "/reports/editor"),
    Page("alerts", "/alerts"),
    Page("workflows", "/workflows"),
    Page("integrations", "/integrations"),
    Page("team", "/team"),
    Page("settings", "/settings"),
    Page("billing", "/settings/billing"),
    Page("help_center", "/help"),
)

# --- Setup: 7 ordered steps, each a `track` event ----------------------------------------------
SETUP_STEPS: tuple[SetupStep, ...] = (
    SetupStep(1, "Create the workspace", "track", "workspace_created", None),
    SetupStep(2, "Complete the company profile", "track", "profile_completed", None),
    SetupStep(3, "Connect a data source", "track", "data_source_connected", None),
    SetupStep(4, "Invite teammates", "track", "teammates_invited", None),
    SetupStep(5, "Build the first dashboard", "track", "first_dashboard_created", None),
    SetupStep(6, "Set up the first alert", "track", "first_alert_created", None),
    SetupStep(7, "Share the first report", "track", "first_report_shared", None),
)

# --- Value events: `track` events that carry customer value (activation, utilization) --------
VALUE_EVENTS: tuple[str, ...] = (
    "report_shared",
    "dashboard_published",
    "insight_exported",
    "alert_resolved",
    "workflow_completed",
)

# Other `track` events (no value, not setup).
OTHER_TRACK_EVENTS: tuple[str, ...] = (
    "search_performed",
    "filter_applied",
    "notification_opened",
    "help_article_opened",
)

# --- In-app guides (event_name of guide_seen / guide_dismissed) -------------------------------
GUIDES: tuple[Guide, ...] = (
    Guide("guide_welcome_tour", "Welcome tour"),
    Guide("guide_report_builder_intro", "Report builder intro"),
    Guide("guide_alert_tips", "Alert tips"),
    Guide("guide_playbooks_launch", "New: playbooks"),
    Guide("guide_integrations_checklist", "Integrations checklist"),
    Guide("guide_nps_prompt", "NPS prompt"),
)

# --- Event types -------------------------------------------------------------------------------
EVENT_TYPES: tuple[str, ...] = (
    "page_view",
    "feature_click",
    "track",
    "guide_seen",
    "guide_dismissed",
)
# Types outside the contract that appear in real exports; staging keeps them as `other`.
UNKNOWN_EVENT_TYPES: tuple[str, ...] = ("identify", "custom", "form_submit")

# --- People and plans --------------------------------------------------------------------------
ROLES: tuple[str, ...] = ("admin", "champion", "analyst", "manager", "viewer", "executive")

PLAN_TIERS: tuple[PlanTier, ...] = (
    PlanTier("starter", 3, 10, 3_000, 15_000),
    PlanTier("growth", 8, 30, 12_000, 48_000),
    PlanTier("business", 20, 60, 40_000, 160_000),
    PlanTier("enterprise", 35, 100, 120_000, 650_000),
)

# --- Polls (poll_responses) --------------------------------------------------------------------
POLLS: tuple[Poll, ...] = (
    Poll(
        "poll_next_priority",
        "Which area should we improve next?",
        ("Reporting speed", "More integrations", "Better alerts", "Mobile app", "Permissions"),
    ),
    Poll(
        "poll_report_speed",
        "How fast do your reports load?",
        ("Very fast", "Fast enough", "Slow", "Too slow to use"),
    ),
    Poll(
        "poll_ai_insights",
        "Would you use AI-generated insights?",
        ("Yes, daily", "Sometimes", "Not sure", "No"),
    ),
)

# --- Enumerations of the other raw tables (README "Your own data") ---------------------
TICKET_STATUSES: tuple[str, ...] = ("open", "pending", "resolved", "closed")
TICKET_PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
CRM_ACTIVITY_TYPES: tuple[str, ...] = ("meeting", "call", "email", "qbr", "onsite")
SENTIMENTS: tuple[str, ...] = ("positive", "neutral", "negative")
RENEWAL_OUTCOMES: tuple[str, ...] = ("renewed", "churned", "expanded", "contracted")
