"""The revisions, one file each, numbered in order (0001_baseline.py first); each names the one before it as its
``down_revision``. Alembic reads them as files; this ``__init__`` only makes the folder part of the package."""
