"""Alembic's environment script: runs the revisions on the connection ``chatbot.data.migrations`` hands over."""

from alembic import context

from chatbot.data.migrations import run_environment

run_environment(context)
