"""Statistics: how many reports and cases, by what happened, who did it, when, where and why.

Without filters, the figures are read from running tallies that every report and case change
keeps current (reports/tallies.py): one query of a few hundred rows, at ten reports or a
million. With filters (a date range, agencies), every figure is a database aggregation over
the tables, the same five queries (six without filters, when asked to `scan`) at any size:
the total, months and places come from one grouping of encounters by month and place; kinds,
agencies and perceived bases are counted on their link tables; cases by status and by
priority are one grouping. Python only reshapes the groups either way, with the same code, so
both give the same figures (docs/performance.md has the plans and the timings).

Figures are stored in a `StatisticsSnapshot` (nightly by beat, and on demand) exactly as
computed. Small cells are hidden when figures leave legal staff (`must_suppress`,
`suppress_small_cells`); snapshots themselves always hold the exact counts.

- `filters`: which reports count (`StatisticsFilters`), and the querysets they select;
- `breakdowns`: which figures there are, what each counts, and how it is charted;
- `figures`: `compute_figures`, from the tallies or by scanning the tables;
- `suppression`: when small cells are hidden, and hiding them;
- `snapshots`: storing figures, and serving the latest stored ones while they are fresh.

Import each from its module; this package re-exports nothing. What is made from the figures
to hand on (the PDF, the CSV) is in reports/statistics_exports.py and the nightly task in
reports/statistics_tasks.py: both sit above reports/charts.py, which reads the figures, so
they stay outside this package, which imports neither.
"""
