"""publish: minutes and their revisions, statistics, exports, the assembly page and feed."""
