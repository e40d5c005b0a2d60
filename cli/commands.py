"""Imports every command module so that its commands register on the application."""

from cli import (  # noqa: F401
    accounts_cmd,
    assemblies_cmd,
    backup_cmd,
    members_cmd,
    models_cmd,
    process_cmd,
    publish_cmd,
    record_cmd,
    search_cmd,
    sessions_cmd,
    worker_cmd,
)
