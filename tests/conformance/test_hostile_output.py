"""Every line tarmac prints goes through the sanitizer. This reads the output paths
(cli/*.c, main.c among them) and fails on any write of text that is not a literal and
does not go through cli/cli_out.c's helpers (cli_put, cli_cell, cli_printf, cli_say,
cli_error, cli_put_json): printf-style calls whose %s/%c take anything but a string
literal, puts/fputs of a variable, fputc of a variable, fwrite, perror, write() to
stdout or stderr, the v*printf and err/warn families. cli/cli_out.c, where the
sanitized text is finally written, is the only file allowed to. Identifiers that
stand for compiled-in literals (usage texts, the version) are allowed by name, and
the test checks that each really is defined as a literal. A scanner self-test shows
it catches each kind of raw write."""
import glob
import os
import re
import unittest

TOP = os.environ.get("TARMAC_TOP") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

OUTPUT_PATHS = ["cli/*.c"]
WRITER = "cli/cli_out.c"   # the one place that writes sanitized text out
# Names that stand for compiled-in literals; each is checked to be defined as one.
LITERAL_NAMES = {"TARMAC_VERSION", "usage_text", "usage_exit", "cmd_actions_usage"}

CALL = re.compile(r"(?<![\w.>])(printf|fprintf|dprintf|vprintf|vfprintf|vdprintf|puts|fputs|fputc|putc|putchar|"
                  r"fwrite|fputws|wprintf|fwprintf|perror|write|writev|err|errx|warn|warnx|verr|vwarn)\s*\(")
CONVERSION = re.compile(r"%[-+ #0']*(\*|\d+)?(?:\.(\*|\d+))?(?:hh|h|ll|l|j|z|t|L)?([a-zA-Z%])")
STD_FDS = {"1", "2", "STDOUT_FILENO", "STDERR_FILENO"}
# (index of the format or text argument) per function
TEXT_ARG = {"printf": 0, "vprintf": 0, "wprintf": 0, "fprintf": 1, "vfprintf": 1, "fwprintf": 1,
            "dprintf": 1, "vdprintf": 1, "err": 1, "errx": 1, "warn": 0, "warnx": 0, "verr": 1, "vwarn": 0}


def strip_comments(src):
    """C source without comments; strings and character literals kept as they are."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * src.count("\n", i, j))
            i = j
        elif src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            out.append(src[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def call_args(src, open_paren):
    """The top-level arguments of the call whose '(' is at open_paren, and the end index."""
    depth, i, start, args = 0, open_paren, open_paren + 1, []
    while i < len(src):
        c = src[i]
        if c in "\"'":
            j = i + 1
            while j < len(src) and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                args.append(src[start:i].strip())
                return [a for a in args if a], i
        elif c == "," and depth == 1:
            args.append(src[start:i].strip())
            start = i + 1
        i += 1
    return args, i


STRING_LIT = r'"(?:[^"\\]|\\.)*"'
CHAR_LIT = r"'(?:[^'\\]|\\.[^']*)'"


def _unparen(e):
    e = e.strip()
    while e.startswith("(") and e.endswith(")") and call_args(e, 0)[1] == len(e) - 1:
        e = e[1:-1].strip()
    return e


def _ternary(e):
    """(cond, a, b) when e is a top-level conditional expression, else None."""
    depth, q = 0, -1
    for i, c in enumerate(e):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and c == "?" and q < 0:
            q = i
        elif depth == 0 and c == ":" and q >= 0:
            return e[:q], e[q + 1:i], e[i + 1:]
    return None


def _literal_expr(e, lit, plain):
    """e is a literal as `plain` says, or a ?: whose two branches are (lit: the
    literal's pattern, blanked out while looking for the top-level ? and :)."""
    e = _unparen(e)
    t = _ternary(re.sub(lit, lambda m: "L" * len(m.group(0)), e))
    if t:
        a_end = len(t[0]) + 1 + len(t[1])
        return _literal_expr(e[len(t[0]) + 1:a_end], lit, plain) and _literal_expr(e[a_end + 1:], lit, plain)
    return plain(e)


def is_text_literal(e):
    """String literals (adjacent ones too) and literal names, or a ?: of such."""
    return _literal_expr(e, STRING_LIT, lambda x: bool(x) and all(w in LITERAL_NAMES
                                                                   for w in re.sub(STRING_LIT, " ", x).split()))


def is_char_literal(e):
    return _literal_expr(e, CHAR_LIT, lambda x: re.fullmatch(CHAR_LIT, x) is not None)


def literal_text(e):
    """The text of the string literals in e, joined (escapes left as written)."""
    return "".join(m[1:-1] for m in re.findall(STRING_LIT, e))


def raw_writes(src):
    """[(line, call text, why)] for every write of non-literal text in src."""
    code = strip_comments(src)
    found = []
    for m in CALL.finditer(code):
        name = m.group(1)
        args, end = call_args(code, m.end() - 1)
        line = code.count("\n", 0, m.start()) + 1
        text = " ".join(code[m.start():end + 1].split())
        why = None
        if name in TEXT_ARG:
            k = TEXT_ARG[name]
            if name.startswith("v") or name.startswith("verr") or name.startswith("vwarn"):
                why = "a va_list write bypasses the sanitizer"
            elif len(args) <= k or not is_text_literal(args[k]):
                why = "the format is not a literal"
            else:
                rest = args[k + 1:]
                for conv in CONVERSION.finditer(literal_text(args[k])):
                    for star in (conv.group(1), conv.group(2)):
                        if star == "*" and rest:
                            rest = rest[1:]
                    kind = conv.group(3)
                    if kind == "%":
                        continue
                    arg = rest[0] if rest else ""
                    rest = rest[1:]
                    if kind in "sSc" and not is_text_literal(arg) and not is_char_literal(arg):
                        why = f"%{kind} of {arg!r}"
                        break
                    if kind in "npm":
                        why = f"%{kind}"
                        break
        elif name in ("puts", "fputs", "perror", "fputws"):
            if not args or not is_text_literal(args[0]):
                why = f"{name} of {args[0] if args else '?'!r}"
        elif name in ("fputc", "putc", "putchar"):
            if not args or not is_char_literal(args[0]):
                why = f"{name} of {args[0] if args else '?'!r}"
        elif name in ("write", "writev"):
            if args and args[0].strip() in STD_FDS and (name == "writev" or len(args) < 2
                                                        or not is_text_literal(args[1])):
                why = f"{name} to fd {args[0]}"
        else:   # fwrite, err/warn families
            why = f"{name} writes bytes as they are"
        if why:
            found.append((line, text, why))
    return found


class RawWrites(unittest.TestCase):
    def files(self):
        out = []
        for pattern in OUTPUT_PATHS:
            out += sorted(glob.glob(os.path.join(TOP, pattern)))
        self.assertGreater(len(out), 5, "the output paths were not found")
        return out

    def test_no_raw_write_in_the_output_paths(self):
        bad = []
        for path in self.files():
            rel = os.path.relpath(path, TOP)
            if rel == WRITER:
                continue
            with open(path, encoding="utf-8") as f:
                for line, text, why in raw_writes(f.read()):
                    bad.append(f"{rel}:{line}: {why}: {text[:120]}")
        self.assertEqual(bad, [], "raw writes that bypass the sanitizer (use cli_put, cli_cell, cli_printf, "
                                  "cli_say, cli_error or cli_put_json from cli/cli_out.c):\n" + "\n".join(bad))

    def test_the_writer_is_there(self):
        with open(os.path.join(TOP, WRITER), encoding="utf-8") as f:
            src = f.read()
        for fn in ("cli_put", "cli_cell", "cli_printf", "cli_say", "cli_error", "cli_put_json"):
            self.assertRegex(src, r"\n(void|bool) %s\(" % fn)
        self.assertIn("sanitize_text(", src)

    def test_literal_names_are_literals(self):
        sources = ""
        for pattern in ("cli/*.c", "cli/*.h", "tui/*.c", "tui/*.h", "Makefile"):
            for path in glob.glob(os.path.join(TOP, pattern)):
                with open(path, encoding="utf-8") as f:
                    sources += f.read() + "\n"
        for name in sorted(LITERAL_NAMES):
            defined = (re.search(r"\b%s\[\]\s*=\s*\"" % name, sources) or
                       re.search(r"#define\s+%s\s+\"" % name, sources) or
                       re.search(r"-D%s='\"" % name, sources))
            self.assertTrue(defined, f"{name} is allowed as a literal but is not defined as one")

    def test_the_scanner_catches_raw_writes(self):
        raw = [
            'printf("%s\\n", name);',
            'printf("id: %.*s", 20, id);',
            'fprintf(stderr, "tarmac: %s\\n", msg);',
            'fputs(buf, stdout);',
            'puts(line);',
            'fputc(c, stdout);',
            'putchar(ch);',
            'fwrite(raw, 1, len, stdout);',
            'vfprintf(stderr, fmt, ap);',
            'dprintf(2, "cannot run %s\\n", argv0);',
            'write(STDOUT_FILENO, buf, n);',
            'perror(path);',
            'fprintf(stderr, fmt);',
            'printf(cond ? name : "x");',
        ]
        for snippet in raw:
            self.assertEqual(len(raw_writes("void f(void) { %s }" % snippet)), 1, snippet)
        fine = [
            'printf("Go ahead? [y/N] ");',
            'printf("  %-21s %-12s %s\\n", "INSTANCE", "AZ", "TYPE");',
            'printf("%d of %zu (%5.1f%%)\\n", a, b, c);',
            'printf(" %9s", "-");',
            'printf(", reuse %s", on ? "yes" : "no");',
            'fputs(i ? ", " : "", stdout);',
            'fputs("  ", stdout); fputc(\' \', stdout); fputc(\'\\n\', stderr);',
            'printf("tarmac %s\\n", TARMAC_VERSION);',
            'fputs(usage_text, stdout);',
            'write(fd, sb.buf, sb.len);',
            'ssize_t w = write(pipe_fd[1], "s", 1);',
            'cli_printf(stdout, "%s", name); sb_printf(&sb, "%s", x); snprintf(b, n, "%s", y);',
            '/* printf("%s", commented_out); */',
        ]
        for snippet in fine:
            self.assertEqual(raw_writes("void f(void) { %s }" % snippet), [], snippet)


if __name__ == "__main__":
    unittest.main()
