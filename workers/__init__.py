"""workers: orchestration. The in-process runner and the Celery tasks call the stages in the same
order.
"""
