"""A webhook receiver on 127.0.0.1 that verifies every delivery with the
official Standard Webhooks library (PyPI `standardwebhooks`) and appends
one JSON line per delivery to SCT_WEBHOOK_RESULTS:
{"webhook_id", "type", "verified", "tampered_refused", "error"}.
It answers 204 to a delivery it verified and 401 otherwise, and runs until
it is stopped. Environment: SCT_WEBHOOK_PORT, SCT_WEBHOOK_SECRET,
SCT_WEBHOOK_RESULTS."""

import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

webhook = Webhook(os.environ["SCT_WEBHOOK_SECRET"])
results = os.environ["SCT_WEBHOOK_RESULTS"]


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {k: v for (k, v) in self.headers.items()}
        record = {"webhook_id": headers.get("webhook-id"), "verified": False}
        try:
            payload = webhook.verify(body, headers)
            record["verified"] = True
            record["type"] = payload.get("type")
        except WebhookVerificationError as e:
            record["error"] = str(e)
        # The same headers over a changed body must not verify.
        try:
            webhook.verify(body + b" ", headers)
            record["tampered_refused"] = False
        except WebhookVerificationError:
            record["tampered_refused"] = True
        with open(results, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        self.send_response(204 if record["verified"] else 401)
        self.end_headers()

    def log_message(self, format, *args):
        pass


HTTPServer(("127.0.0.1", int(os.environ["SCT_WEBHOOK_PORT"])), Handler).serve_forever()
