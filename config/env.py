"""Where configuration comes from: the process environment, read once, with typed defaults."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
