"""The secretariat's browser workspace at ``/secretariat/``: sign in, sessions, the editor."""
