"""Running it for real: structured logs with request ids and secret redaction, Prometheus
metrics, health and readiness, and the aiohttp middleware that ties them to each request.

Nothing here is built at import time: the composition root makes the metrics registry and the
wrappers, ``configure_logging`` installs the log handler.
"""
