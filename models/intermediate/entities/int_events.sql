{#-
    The source-neutral activity rows every later model reads. A row is one event, or one row
    a source delivers pre-aggregated (Pendo: a visitor x account x hour x feature or page, with
    its event count and active minutes); num_events and num_minutes say which (raw contract,
    README "The activity grain"):
    - num_events: the events the row stands for (1 for an event);
    - num_minutes: the active minutes the row reports, or null when the row is an event: its
      minute is then the clock minute it occurred in (fct_visitor_days counts distinct ones).
    Every count of events sums num_events; active minutes are the distinct clock minutes of
    the event rows plus the sum of num_minutes.
-#}
{{ pulse_checked_rows('events') }}
