"""search_api: the FastAPI application (public and secretariat API) and the search index
backends.
"""
