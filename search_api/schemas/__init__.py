"""Request and response schemas, one module per entity family (input, storage and output never
share a class)."""
