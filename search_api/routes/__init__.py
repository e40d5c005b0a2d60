"""Routes, one module per resource; ``search_api.app`` includes each router."""
