"""A chat_server child process for protocol_test.py: started on a free loopback port, stopped by
its PID. Its console takes operator lines on standard input (docs/protocol.md, section 7)."""
import os
import queue
import re
import signal
import subprocess
import threading


class ServerProcess:
    """One chat_server. Methods are called from the test's thread."""

    def __init__(self, exe, workdir, *flags):
        os.makedirs(workdir, exist_ok=True)
        self.log_path = os.path.join(workdir, "server.log")
        self.lines = queue.Queue()
        with open(self.log_path, "w") as log:
            # --port 0: an ephemeral port, printed as "listening on HOST:PORT" (the first line).
            self.proc = subprocess.Popen(
                [exe, "--port", "0", "--db", os.path.join(workdir, "chat.db"), *flags],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1)
        self.drain = threading.Thread(target=self._drain, daemon=True)
        self.drain.start()
        try:
            first = self.lines.get(timeout=60)
        except queue.Empty:
            self.stop()
            raise RuntimeError(f"chat_server printed nothing in 60 s; its log: {self.log()}")
        match = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)", first or "")
        if not match:
            self.stop()
            raise RuntimeError(f"first line {first!r}; its log: {self.log()}")
        self.port = int(match.group(1))

    def _drain(self):
        """Reads stdout to its end (the console's answers follow the first line there)."""
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def console(self, line):
        """Types an operator command on the server's console."""
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()[-4000:]

    def stop(self, timeout=20):
        """SIGTERM to our child's PID, then SIGKILL if it outlives `timeout`; its exit status."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=timeout)
        self.proc.stdin.close()
        self.drain.join(timeout)
        self.proc.stdout.close()
        return self.proc.returncode
