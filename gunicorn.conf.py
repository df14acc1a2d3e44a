"""gunicorn settings, derived from the same environment settings as the app.

No preload: each worker builds its own app and Neo4j driver after the fork.

Worker model: gthread. A sync worker is held by one connection from accept to the end of its response, so a few
clients sending their headers slowly (slowloris) held every worker and /health waited half a minute. A gthread
worker's main loop accepts connections and watches them in a poller; a thread takes a connection only once it has
data, and gives it back to the poller when no data arrives within a few seconds. Each worker runs CHAINMAP_THREADS
request threads (default 32), so a slow client costs at most one thread of one worker, and Neo4j waits are
bounded by CHAINMAP_DB_WAIT_S. For a service exposed beyond a trusted network, put a buffering reverse proxy
(nginx with its defaults buffers whole requests) in front as well: see README, "Deployment".
"""

import gc
import os

from chainmap.settings import ROOT, Settings

_settings = Settings.from_env()  # validates: tx timeout < HTTP timeout, DB wait budget < HTTP timeout

bind = f"{_settings.host}:{_settings.port}"
workers = _settings.workers
worker_class = "gthread"
threads = _settings.threads
timeout = int(_settings.http_timeout_s)
graceful_timeout = int(_settings.http_timeout_s)
keepalive = 2
preload_app = False
accesslog = "-"
errorlog = "-"
loglevel = "info"
proc_name = "chainmap"

# gunicorn's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl), shared by every instance:
# a second service or a test server took over the first one's. Each instance gets its own, owner-only, under var/run
# (disabled when the path would be too long for a Unix socket).
_control_dir = ROOT / "var" / "run"
_control = _control_dir / f"gunicorn-{_settings.host}-{_settings.port}.ctl"
if len(str(_control)) < 100:
    _control_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(_control_dir, 0o700)
    control_socket = str(_control)
    control_socket_mode = 0o600
else:
    control_socket_disable = True


def post_worker_init(worker):
    from api import server_errors

    server_errors.install()  # gunicorn's own 400/414/431 answers as problem+json in Chinese
    # What the worker holds from here on (modules, the app, the driver's lookup tables: one list of 65,536 items) is
    # never garbage: frozen, Python's cyclic collector no longer walks it on each full pass in the middle of requests.
    gc.freeze()
