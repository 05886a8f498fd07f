"""Synthetic raw data for Customer Pulse (README "Your own data"), with signal for every metric
of README "Definitions".

`generate()` writes one file per raw table (`<table>.csv` or `<table>.parquet`) plus
`_manifest.json` into a folder. Same arguments -> byte-identical files.

How it works
- Accounts are planned in fixed-size blocks, each with its own random stream
  (`SeedSequence(seed, spawn_key=(stream, block))`), so account number k is the same account
  whatever the total. `events=` walks the plan in order and keeps accounts until the expected
  number of events is reached (skipping one that would overshoot), `accounts=` keeps the first N.
- Events are simulated per block, fully vectorised: visitor x day activity chances (persona,
  weekday, adoption ramp, churn fade, dormancy, breaks) -> active days -> sessions -> events
  some tens of seconds apart. Blocks are grouped into chunks of about 120k events, formatted
  with numpy lookup tables and pyarrow.compute, and streamed to the open file (a worker thread
  prepares chunk i + 1 while chunk i is written), so memory stays bounded.
- Dirty rows (bad_row_rate > 0) are extra rows with fresh ids that nothing references, each
  with exactly one problem; the manifest counts them by reason.

Modules
- core: `generate()` (arguments, the run, the manifest); output_dir: the folder and manifest
- raw_tables: the raw contract; vocabulary: names, probabilities; catalog_pools: codes of
  the catalogue's event types, names and properties
- plan (accounts and visitors per block), renewals, activity, world (the selected blocks)
- events (one block's events), event_stream (chunks, dirty rows, writing)
- small_tables, surveys, touchpoints: the other eight tables
- dirty: the bad-input injection and its reason codes
- arrow_text, csv_text: text formatting; writers/: one module per output format
"""

from pulse.generator.arrow_text import format_timestamps
from pulse.generator.core import GENERATOR_VERSION, generate

__all__ = ["GENERATOR_VERSION", "format_timestamps", "generate"]
