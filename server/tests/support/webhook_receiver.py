"""A webhook receiver for the tests: it keeps every request it gets, and checks them
afterwards with the official Standard Webhooks library.

    webhook_receiver.py serve PORT LOG     answer POSTs, appending each to LOG (JSON
                                           lines); a path with ?fail=N answers 500 to its
                                           first N requests, then 200; ?redirect=URL, 302
    webhook_receiver.py verify SECRET LOG [PATH [FROM]]
                                           print, as JSON, each request (to PATH, if
                                           given; from its FROM-th on, counting from 0)
                                           whose signature verifies with SECRET: its
                                           webhook-id and payload; exit 1 if any does not
"""

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook


def serve(port, log):
    lock = threading.Lock()
    seen = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
            with lock:
                seen[self.path] = seen.get(self.path, 0) + 1
                count = seen[self.path]
                with open(log, "a") as out:
                    out.write(json.dumps({"path": self.path, "headers": dict(self.headers), "body": body}) + "\n")
            if "?redirect=" in self.path:
                self.send_response(302)
                self.send_header("location", self.path.rsplit("?redirect=", 1)[1])
                self.send_header("content-length", "0")
                self.end_headers()
                return
            fail = 0
            if "?fail=" in self.path:
                fail = int(self.path.rsplit("?fail=", 1)[1])
            status = 500 if count <= fail else 200
            answer = b"down for now" if status == 500 else b"ok"
            self.send_response(status)
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", int(port)), Handler).serve_forever()


def verify(secret, log, path=None, first=0):
    webhook = Webhook(secret)
    skip = int(first)
    verified, failed = [], 0
    if not os.path.exists(log):  # nothing received yet
        print("[]")
        return
    with open(log) as lines:
        for line in lines:
            request = json.loads(line)
            if path is not None and request["path"] != path:
                continue
            if skip > 0:
                skip -= 1
                continue
            headers = {name.lower(): value for name, value in request["headers"].items()}
            try:
                payload = webhook.verify(request["body"], headers)
            except Exception as error:  # the library's own verification failure
                print(f"not verified: {error}", file=sys.stderr)
                failed += 1
                continue
            verified.append({"id": headers["webhook-id"], "path": request["path"], "payload": payload})
    print(json.dumps(verified))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"serve": serve, "verify": verify}[command](*args)
