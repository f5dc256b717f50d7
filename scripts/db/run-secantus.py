# Runs SecantusDB's server (the arguments are its own) and ends it when standard input closes, so the embedded
# database never outlives the Node process that started it, however that process ends (even by kill -9).
import os
import signal
import sys
import threading

from secantus.cli import main


def exit_on_stdin_eof() -> None:
    while sys.stdin.buffer.read(4096):
        pass
    os.kill(os.getpid(), signal.SIGTERM)  # SecantusDB's own handler closes WiredTiger cleanly


threading.Thread(target=exit_on_stdin_eof, daemon=True).start()
sys.exit(main(sys.argv[1:]))
