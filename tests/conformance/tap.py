#!/usr/bin/env python3
"""Runs one unittest module and reports each test in TAP, for tests/run.sh.

A test that calls self.skipTest() is reported as '# SKIP'. A module that marks
itself REQUIRED = True (conformance peers that CI must have) prints '# REQUIRED',
so that run.sh counts its skips as failures when TARMAC_REQUIRE_CONFORMANCE=1."""
import importlib.util
import os
import sys
import traceback
import unittest


class TapResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.n = 0

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

    def addSkip(self, test, reason):
        self.n += 1
        self._line(f"not ok {self.n} # SKIP {test.id()}: {reason}")

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
    result = TapResult()
    suite.run(result)
    # The plan goes last: a class-level skip reports one result for many tests.
    print(f"1..{result.n}", flush=True)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
