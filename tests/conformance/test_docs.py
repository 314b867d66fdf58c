"""The documentation agrees with the binary: every command and flag `tarmac --help`
names is in man/tarmac.1, every key of the console's help is in the man page's
KEYS section (checked by the keymap unit test), and README's two first commands
are the ones .ci/run and the Makefile provide."""
import os
import re
import subprocess
import unittest

from sim_peer import BIN

REQUIRED = True
TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def read(rel):
    with open(os.path.join(TOP, rel), encoding="utf-8") as f:
        return f.read()


class HelpMatchesMan(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.help = subprocess.run([BIN, "--help"], capture_output=True, text=True, timeout=10).stdout
        cls.man = read("man/tarmac.1")

    def test_help_is_not_empty(self):
        self.assertIn("usage: tarmac", self.help)

    def test_every_flag_is_in_the_man_page(self):
        flags = set(re.findall(r"(?<![\w-])--([a-z][a-z-]+)", self.help))
        self.assertGreater(len(flags), 10)
        missing = [f for f in sorted(flags)
                   if ("Fl \\-" + f.replace("-", "\\-")) not in self.man]
        self.assertEqual(missing, [], "flags in --help but not in man/tarmac.1")

    def test_every_command_is_in_the_man_page(self):
        cmds = set()
        for block in re.split(r"\n\n", self.help):
            block = block.strip("\n")
            head = block.split("\n", 1)[0]
            if head.startswith("commands:") or head.startswith("action commands"):
                for line in block.split("\n")[1:]:
                    m = re.match(r"  ([a-z]+)\b", line)
                    if m:
                        cmds.add(m.group(1))
        self.assertTrue({"status", "sim", "deploy", "rollback", "creds"} <= cmds, cmds)
        missing = [c for c in sorted(cmds) if not re.search(r"^\.It Cm %s\b" % c, self.man, re.M)
                   and not re.search(r"Cm %s\b" % c, self.man)]
        self.assertEqual(missing, [], "commands in --help but not in man/tarmac.1")

    def test_man_page_flags_exist(self):
        # Every flag the man page documents is one --help names, or a sim flag.
        documented = set(re.findall(r"Fl \\-([a-z\\-]+)", self.man))
        documented = {d.replace("\\-", "-").strip("-") for d in documented}
        sim_only = {"port", "scenario", "speed", "seed"}
        unknown = [d for d in sorted(documented)
                   if d and d not in sim_only and "--" + d not in self.help and "-" + d not in self.help]
        self.assertEqual(unknown, [], "flags in man/tarmac.1 that --help does not name")


class Readme(unittest.TestCase):
    def test_the_two_commands_come_first(self):
        readme = read("README.md")
        blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", readme, re.S)
        self.assertGreaterEqual(len(blocks), 2)
        first = " ".join(blocks[0].split() + blocks[1].split())
        self.assertIn("make demo", first)
        self.assertIn("make check", first)
        self.assertIn("make check", read(".ci/run"))


if __name__ == "__main__":
    unittest.main()
