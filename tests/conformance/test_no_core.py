"""tarmac holds AWS secrets in memory, so it never leaves them in a core file: the
console, signed in and polling the simulator, runs with a core-size limit of 0 even
when started with an unlimited one, and a crash (SIGSEGV, SIGABRT) writes no core
file where a plain `core` pattern would put one. Its screen output carries no secret."""
import os
import pty
import resource
import select
import signal
import tempfile
import time
import unittest

from sim_peer import BIN, Sim

REQUIRED = True


def read_for(fd, seconds, until=None):
    out = b""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            if until and until in out:
                break
    return out


class NoCore(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = Sim(speed=10).start()

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def run_console(self, sig):
        home = tempfile.mkdtemp(prefix="tarmac-nocore-")
        env = self.sim.env(home)
        env.update(TERM="xterm-256color", LANG="C.UTF-8")
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(home)
            # Ask for cores as generously as a developer shell would.
            resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            os.execve(BIN, [BIN, "--endpoint-url", self.sim.url, "--repo", "web"], env)
        try:
            out = read_for(fd, 15, until=b"i-0")
            self.assertIn(b"i-0", out, "the console did not show instances")
            with open(f"/proc/{pid}/limits") as f:
                limits = f.read()
            core_line = next(l for l in limits.splitlines() if l.startswith("Max core file size"))
            self.assertEqual(core_line.split()[4:6], ["0", "0"], core_line)
            os.kill(pid, sig)
            out += read_for(fd, 3)
        finally:
            try:
                _, status = os.waitpid(pid, 0)
            except ChildProcessError:
                status = 0
            os.close(fd)
        self.assertTrue(os.WIFSIGNALED(status) and os.WTERMSIG(status) == sig, status)
        self.assertFalse(os.WCOREDUMP(status), "the kernel says it dumped core")
        self.assertEqual([n for n in os.listdir(home) if n.startswith("core")], [])
        self.assertNotIn(self.sim.secret.encode(), out)
        return out

    def test_segv_leaves_no_core(self):
        self.run_console(signal.SIGSEGV)

    def test_abort_leaves_no_core(self):
        self.run_console(signal.SIGABRT)


if __name__ == "__main__":
    unittest.main()
