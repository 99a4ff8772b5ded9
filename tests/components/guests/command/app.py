"""Guest of the ``command`` world: a WASI 0.2 command built with componentize-py.

It prints its arguments, the ``GREETING`` variable, stdin and the file named by its first
argument (read through a preopened directory) to stdout, a line to stderr, and exits with
the status in ``EXIT`` (``sys.exit``: WASI 0.2 reports any non-zero status as 1).
"""

import os
import sys

from wit_world import exports


class Run(exports.Run):
    def run(self) -> None:
        print("args:", " ".join(sys.argv[1:]))
        print("greeting:", os.environ.get("GREETING", "<unset>"))
        print("stdin:", sys.stdin.buffer.read().decode())
        with open(sys.argv[1], encoding="utf-8") as f:
            print("file:", f.read().strip())
        print("to stderr", file=sys.stderr)
        sys.stdout.flush()
        code = int(os.environ.get("EXIT", "0"))
        if code:
            sys.exit(code)
