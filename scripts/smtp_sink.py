"""A real SMTP server for the tests (aiosmtpd): every message it accepts is written as one
JSON file in a directory: envelope recipients, decoded subject and text.

Usage: python smtp_sink.py PORT DIRECTORY
Prints "pret" once it listens on 127.0.0.1:PORT; stops on SIGTERM or SIGINT.
"""

import email
import email.policy
import json
import os
import signal
import sys
import threading
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        record = {
            "de": envelope.mail_from,
            "a": list(envelope.rcpt_tos),
            "objet": str(message["subject"]),
            "message_id": str(message["message-id"]),
            "texte": message.get_content(),
        }
        with self.lock:
            self.count += 1
            name = "%d-%06d.json" % (time.time_ns(), self.count)
        temporary = os.path.join(self.directory, name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(temporary, os.path.join(self.directory, name))
        return "250 Message accepted for delivery"


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print("pret", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    main()
