"""gunicorn settings, derived from the same environment settings as the app.

No preload: each worker builds its own app and Neo4j driver after the fork.
"""

from chainmap.settings import Settings

_settings = Settings.from_env()  # validates: tx timeout < HTTP timeout

bind = f"{_settings.host}:{_settings.port}"
workers = _settings.workers
worker_class = "sync"
timeout = int(_settings.http_timeout_s)
graceful_timeout = int(_settings.http_timeout_s)
keepalive = 2
preload_app = False
accesslog = "-"
errorlog = "-"
loglevel = "info"
proc_name = "chainmap"
