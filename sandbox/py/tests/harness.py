"""The sandbox the Python tests talk to.

With FORMAE_SANDBOX_URL set (http://127.0.0.1:PORT), the running sandbox there; it is
reset (/moto-api/reset) by the tests, so give them one of their own. Without it, the
sandbox's request handler (sandbox.Handler) served in this process on a free port, in
front of moto (ThreadedMotoServer), as sandbox.py's main() does, without its PostgreSQL
(these tests use none; a reset skips it)."""

import http.server
import json
import os
import sys
import threading
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

_URL = None
_LOCK = threading.Lock()


class _NoPostgres:
    """What sandbox.reset() needs of a PostgreSQL connection, when there is none."""

    def run(self, *args, **kwargs):
        return []

    def close(self):
        pass


def url():
    """The sandbox's endpoint, started in this process on first use if none is given."""
    global _URL
    with _LOCK:
        if _URL:
            return _URL
        if os.environ.get("FORMAE_SANDBOX_URL"):
            _URL = os.environ["FORMAE_SANDBOX_URL"].rstrip("/")
            return _URL
        import logging
        import sandbox
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs each call

        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        moto.start()
        sandbox.MOTO = moto.get_host_and_port()
        sandbox.pg_connect = lambda *a, **k: _NoPostgres()

        class Server(http.server.ThreadingHTTPServer):
            request_queue_size = 256
            daemon_threads = True

        server = Server(("127.0.0.1", 0), sandbox.Handler)
        _URL = sandbox.PUBLIC = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, name="sandbox", daemon=True).start()
        return _URL


def post(path, payload=None):
    req = urllib.request.Request(url() + path, data=json.dumps(payload or {}).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        body = r.read()
    return json.loads(body) if body.strip().startswith((b"{", b"[")) else body


def get(path):
    with urllib.request.urlopen(url() + path, timeout=60) as r:
        return json.loads(r.read())


def reset():
    post("/moto-api/reset")


def configure(**settings):
    return post("/_sandbox/config", settings)


def violations():
    return get("/_sandbox/violations")


def client(service, region="us-east-1"):
    import boto3
    from botocore.config import Config
    return boto3.client(service, endpoint_url=url(), region_name=region, aws_access_key_id="sandbox",
                        aws_secret_access_key="sandbox",
                        config=Config(retries={"max_attempts": 1, "mode": "standard"}))
