#!/usr/bin/env python3
"""Runs one unittest module and reports each test in TAP, for tests/run.sh.

A test that calls self.skipTest() is reported as '# SKIP' with its reason; a class
that skips in setUpClass reports each of its tests so, and the count stays true. A
module that marks itself REQUIRED = True (conformance peers that CI must have)
prints '# REQUIRED', so that run.sh counts its skips as failures when
TARMAC_REQUIRE_CONFORMANCE=1."""
import importlib.util
import os
import re
import sys
import traceback
import unittest


def flatten(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from flatten(t)
        else:
            yield t


class TapResult(unittest.TestResult):
    def __init__(self, tests=()):
        super().__init__()
        self.n = 0
        self.by_class = {}   # "module.Class" -> its test ids, for a class-level skip
        for t in tests:
            self.by_class.setdefault(unittest.util.strclass(type(t)), []).append(t.id())

    def _line(self, text):
        print(text, flush=True)

    def addSuccess(self, test):
        self.n += 1
        self._line(f"ok {self.n} - {test.id()}")

    def addFailure(self, test, err):
        self.n += 1
        self._line(f"not ok {self.n} - {test.id()}")
        for l in "".join(traceback.format_exception(*err)).splitlines()[-15:]:
            self._line("# " + l)

    addError = addFailure

    def addSubTest(self, test, subtest, err):
        # A failing subTest is a failing line of its own (unittest then reports
        # nothing else for the test); passing ones add nothing.
        super().addSubTest(test, subtest, err)
        if err is not None:
            if issubclass(err[0], unittest.SkipTest):
                self.n += 1
                self._line(f"not ok {self.n} - {subtest.id()} # SKIP {err[1]}")
            else:
                self.addFailure(subtest, err)

    def addSkip(self, test, reason):
        ids = [test.id()]
        m = re.fullmatch(r"setUpClass \((.+)\)", test.id())
        if m and self.by_class.get(m.group(1)):
            ids = self.by_class[m.group(1)]
        for i in ids:
            self.n += 1
            self._line(f"not ok {self.n} - {i} # SKIP {reason}")

    def addExpectedFailure(self, test, err):
        self.addSuccess(test)

    def addUnexpectedSuccess(self, test):
        self.addFailure(test, (AssertionError, AssertionError("unexpected success"), None))


def main():
    path = sys.argv[1]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except Exception:
        print("1..1\nnot ok 1 - import " + path)
        for l in traceback.format_exc().splitlines():
            print("# " + l)
        return 1
    if getattr(mod, "REQUIRED", False):
        print("# REQUIRED")
    suite = unittest.defaultTestLoader.loadTestsFromModule(mod)
    result = TapResult(list(flatten(suite)))
    suite.run(result)
    # The plan goes last: a class-level skip reports one result for many tests.
    print(f"1..{result.n}", flush=True)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
