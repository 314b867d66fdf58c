"""The source folders import one way (README's Layout): backend/aws/ knows nothing
above it, credentials sit on the client, the services on both, polling and plans on
the services; nothing in backend/ includes the console, the headless commands, the
panes or the simulator. A file that includes against the grain fails here with its
path and line, before the layering quietly erodes."""
import glob
import os
import re
import unittest

REQUIRED = True
TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# What each backend folder may include, besides itself and the C library.
BOTTOM = {"util.h", "sanitize.h", "yaml_util.h", "embedded.h"}   # backend/'s own files below everything
ALLOWED = {
    "aws": {"aws"},
    "creds": {"aws", "creds"},
    "services": {"aws", "services"},
    "watch": {"aws", "creds", "services", "watch"},
    "deploy": {"aws", "creds", "services", "deploy", "config.h"},
    # App kinds wire the layers below into one kind of app; nothing below includes them
    # (config.c reads only the data-only registry kinds/kinds.def).
    "kinds": {"aws", "creds", "services", "watch", "deploy", "kinds", "config.h"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# Headers of the layers above backend/: the headless commands, the console, the panes, the simulator.
ABOVE = {os.path.basename(p) for d in ("cli", "tui", "panes", "sim") for p in glob.glob(os.path.join(TOP, d, "*.h"))}


def includes(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for m in INCLUDE.finditer(text):
        yield text.count("\n", 0, m.start()) + 1, m.group(1)


class Layering(unittest.TestCase):
    def test_backend_folders_import_one_way(self):
        bad = []
        for folder, allowed in ALLOWED.items():
            files = glob.glob(os.path.join(TOP, "backend", folder, "*.[ch]")) + \
                glob.glob(os.path.join(TOP, "backend", folder, "*", "*.[ch]"))
            self.assertTrue(files, "backend/%s has no sources" % folder)
            for path in files:
                for line, inc in includes(path):
                    head = inc.split("/")[0] if "/" in inc else inc
                    if "/" in inc and head in allowed:
                        continue
                    if "/" not in inc and (inc in BOTTOM or inc in allowed):
                        continue
                    bad.append("%s:%d includes %s" % (os.path.relpath(path, TOP), line, inc))
        self.assertEqual(bad, [], "backend/ folders must import one way: aws <- creds <- services <- watch, deploy "
                         "<- kinds")

    def test_kinds_def_is_data_only(self):
        """config.c includes the kinds registry; it must stay a list, including nothing."""
        path = os.path.join(TOP, "backend", "kinds", "kinds.def")
        self.assertEqual(list(includes(path)), [], "kinds/kinds.def includes nothing")
        with open(path, encoding="utf-8") as f:
            rows = re.findall(r"^KIND\((\w+)\)", f.read(), re.M)
        self.assertIn("asg", rows)
        for name in rows:
            self.assertTrue(os.path.isdir(os.path.join(TOP, "backend", "kinds", name)),
                            "kind %s has its own folder backend/kinds/%s/" % (name, name))

    def test_backend_headers_name_their_folder(self):
        folders = [d for d in ALLOWED]
        bare = {}
        for d in folders:
            for p in glob.glob(os.path.join(TOP, "backend", d, "*.h")):
                bare[os.path.basename(p)] = d
        bad = []
        for path in glob.glob(os.path.join(TOP, "**", "*.[ch]"), recursive=True):
            rel = os.path.relpath(path, TOP)
            if rel.startswith("build" + os.sep) or rel.startswith("tests" + os.sep + "fixtures"):
                continue
            for line, inc in includes(path):
                if inc in bare:
                    bad.append("%s:%d: #include \"%s/%s\"" % (rel, line, bare[inc], inc))
        self.assertEqual(bad, [], "includes of backend headers name the folder")

    def test_backend_includes_nothing_above_it(self):
        bad = []
        for path in glob.glob(os.path.join(TOP, "backend", "**", "*.[ch]"), recursive=True):
            for line, inc in includes(path):
                if os.path.basename(inc) in ABOVE and not os.path.exists(os.path.join(TOP, "backend", inc)):
                    bad.append("%s:%d includes %s" % (os.path.relpath(path, TOP), line, inc))
        self.assertEqual(bad, [], "backend/ must not include cli/, tui/, panes/ or sim/")

    def test_the_check_sees_a_wrong_include(self):
        """The rule itself: a services file including a deploy header is caught."""
        allowed = ALLOWED["services"]
        self.assertNotIn("deploy", allowed)
        inc = "deploy/plan.h"
        self.assertFalse("/" in inc and inc.split("/")[0] in allowed)


if __name__ == "__main__":
    unittest.main()
