"""`tarmac --demo` and the simulator it starts: the child must not get the user's
AWS secrets (its /proc/PID/environ is read), must die with tarmac even when tarmac
is killed with SIGKILL, and nothing may be left in TMPDIR. The console runs in a
pseudo-terminal; every wait is bounded."""
import fcntl
import os
import pty
import shutil
import signal
import struct
import subprocess
import tempfile
import termios
import threading
import time
import unittest

from sim_peer import BIN

SECRET = "user-secret-access-key-never-for-the-simulator"
TOKEN = "user-session-token-never-for-the-simulator"


def proc_stat(pid):
    """(state, ppid) from /proc/PID/stat, or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="latin-1") as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[1])


def alive(pid):
    st = proc_stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def children(pid):
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = proc_stat(int(name))
            if st and st[1] == pid:
                out.append(int(name))
    return out


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def wait_for(what, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        got = what()
        if got:
            return got
        time.sleep(0.05)
    return what()


class DemoChild(unittest.TestCase):
    def setUp(self):
        if not os.access(BIN, os.X_OK):
            self.skipTest("no tarmac binary")
        if not os.path.isdir("/proc/self"):
            self.skipTest("no /proc")
        self.home = tempfile.mkdtemp(prefix="tarmac-demo-home-")
        self.addCleanup(shutil.rmtree, self.home, True)
        self.tmpdir = os.path.join(self.home, "tmp")   # TMPDIR of tarmac: must stay empty
        os.mkdir(self.tmpdir)

    def start_console(self):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(TERM="xterm-256color", LANG="C.UTF-8", HOME=self.home, TMPDIR=self.tmpdir,
                   XDG_CONFIG_HOME=os.path.join(self.home, ".config"),
                   XDG_STATE_HOME=os.path.join(self.home, ".state"), AWS_PROFILE="production",
                   AWS_ACCESS_KEY_ID="AKIAUSERREALKEY00001", AWS_SECRET_ACCESS_KEY=SECRET, AWS_SESSION_TOKEN=TOKEN)
        p = subprocess.Popen([BIN, "--demo"], stdin=slave, stdout=slave, stderr=slave, env=env,
                             start_new_session=True)
        os.close(slave)

        def drain():   # the console must never block on a full terminal
            while True:
                try:
                    if not os.read(master, 65536):
                        break
                except OSError:
                    break
        threading.Thread(target=drain, daemon=True).start()

        def cleanup():
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)
            os.close(master)
        self.addCleanup(cleanup)
        return p

    def test_clean_environment_and_dies_with_sigkill(self):
        p = self.start_console()
        sims = wait_for(lambda: [c for c in children(p.pid) if b"sim" in cmdline(c)], 30)
        self.assertTrue(sims, "tarmac --demo started no simulator")
        sim = sims[0]
        self.addCleanup(lambda: alive(sim) and os.kill(sim, signal.SIGKILL))
        with open(f"/proc/{sim}/environ", "rb") as f:
            environ = f.read().split(b"\0")
        problems = []
        leaked = [e.split(b"=", 1)[0].decode() for e in environ
                  if e.startswith(b"AWS_") or SECRET.encode() in e or TOKEN.encode() in e]
        if leaked:
            problems.append(f"the simulator's environment has {leaked}")
        os.kill(p.pid, signal.SIGKILL)   # the hard way: no chance to clean up
        p.wait(timeout=10)
        if wait_for(lambda: not alive(sim), 15) is not True:
            problems.append("the simulator outlived tarmac's SIGKILL")
        left = os.listdir(self.tmpdir)
        if left:
            problems.append(f"left in TMPDIR: {left}")
        self.assertEqual(problems, [])


if __name__ == "__main__":
    unittest.main()
