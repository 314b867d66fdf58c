"""The documentation agrees with the binary: every command and flag `tarmac --help`
names is in man/tarmac.1 and every command the man page's COMMANDS section names is
in --help's one list of commands; --help has one exit status section with every
code the man page's EXIT STATUS gives; every key of the console's help is in the
man page's KEYS section and every command of the command table in the man page
(checked by the keymap unit test), and README's two first commands are the ones
.ci/run and the Makefile provide."""
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

    def help_commands(self):
        """The command names of --help's list, in order, as often as listed."""
        m = re.search(r"^commands:\n(.*?)\n\n", self.help, re.S | re.M)
        self.assertIsNotNone(m, "no 'commands:' list in --help")
        return re.findall(r"^  ([a-z][a-z-]*)\b", m.group(1), re.M)

    def man_section(self, title):
        m = re.search(r"^\.Sh %s\n(.*?)(?=^\.Sh )" % title, self.man, re.S | re.M)
        self.assertIsNotNone(m, "no %s section in man/tarmac.1" % title)
        return m.group(1)

    def test_one_list_of_commands_and_one_exit_status(self):
        lines = self.help.split("\n")
        self.assertEqual(sum(l.startswith("exit status:") for l in lines), 1, "one 'exit status:' section")
        heads = [l for l in lines if l.startswith("commands:") or l.startswith("action commands")]
        self.assertEqual(len(heads), 1, heads)
        listed = self.help_commands()
        self.assertEqual(sorted(c for c in set(listed) if listed.count(c) > 1), [], "commands listed twice")

    def test_man_page_commands_are_in_help(self):
        documented = set()
        for line in self.man_section("COMMANDS").split("\n"):
            if line.startswith(".It "):
                documented |= {w.replace("\\-", "-") for w in re.findall(r"Cm (\S+)", line)}
        self.assertTrue({"status", "deploy", "sim", "log"} <= documented, documented)
        self.assertEqual(sorted(documented - set(self.help_commands())), [],
                         "commands in man/tarmac.1's COMMANDS that --help does not list")

    def test_every_exit_status_is_in_help(self):
        codes = set(re.findall(r"(?:^|, )([0-9]) ", self.man_section("EXIT STATUS"), re.M))
        self.assertEqual(codes, {str(n) for n in range(7)})
        exits = self.help[self.help.index("\nexit status:"):]
        missing = [c for c in sorted(codes) if not re.search(r"(?:: |, |\s)%s " % c, exits)]
        self.assertEqual(missing, [], "exit statuses of man/tarmac.1 that --help does not give")


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
