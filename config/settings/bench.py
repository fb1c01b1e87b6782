"""Benchmark settings (tests/bench): the base settings, driven by the same environment, plus
what only the benchmarks need. Never used to serve people.

- `config.bench_urls`: every URL of the site plus a minimal JSON view, the baseline the
  throughput figures are divided by.
- `BENCH_HISTORY=false` turns simple-history off (SIMPLE_HISTORY_ENABLED), for the cost of
  history on intake.
- The intake rate limit is still counted in the cache on every request, but never reached.
- `RENDER_TEST_DELAY_SECONDS` pads every render by that many seconds (bench_recovery only).
"""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

ROOT_URLCONF = "config.bench_urls"
DEBUG = False
SIMPLE_HISTORY_ENABLED = env.bool("BENCH_HISTORY", default=True)
INTAKE_SUBMISSION_RATE = "1000000/second"
INTAKE_STATUS_LOOKUP_RATE = "1000000/second"
# Acknowledgements are queued to the broker as in production; the worker does not send them.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
# The recovery benchmark pads renders to a known length (the render hook of reports.services),
# so a worker can be killed in the middle of one.
RENDER_TEST_DELAY_SECONDS = env.float("RENDER_TEST_DELAY_SECONDS", default=0)
