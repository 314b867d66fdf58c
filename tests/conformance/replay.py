"""Replaying the `aws` commands tarmac prints, to prove they do what tarmac did.

tarmac runs an action against one simulator (World A); the commands its plan printed
for the steps it ran (from the journal, `tarmac log --json`) run with the installed AWS
CLI under `sh -c` against a second simulator of the same scenario and seed (World B);
then the two worlds are compared. The pieces, for any test that needs them:

- World: `tarmac sim` with its clock nearly stopped, so nothing moves unless asked
  (advance()), a boto3 client per service, and snapshot(): tags and the digests they
  point at, the images, and each group's refreshes (preferences, desired configuration).
- settled(world): while a command waits for a refresh to stop (a cancel), moves that
  world's clock past it — the same jump in both worlds, so they stay alike.
- journal_plans(): the plans of a state directory's journal, each with its steps'
  printed commands and outcomes.
- AwsCli: the installed CLI: unsupported(cmd) says why a command cannot run here (an
  operation, a parameter or a member of a JSON parameter that this CLI's model lacks,
  probed with --generate-cli-skeleton), run(cmd, world) runs it with `aws` pointed at
  the world by a shell function that adds --endpoint-url (older CLIs have no
  AWS_ENDPOINT_URL), credentials from the scenario in the environment.
- invocations(cmd): every `aws SERVICE OPERATION ARGS...` in a shell command line,
  command substitutions included."""
import contextlib
import json
import os
import shlex
import subprocess
import threading
import time

from sim_peer import BIN, Sim

FROZEN = 0.001           # simulated seconds per real second: the world waits for advance()
CANCEL_SETTLE_S = 700    # past the simulator's bound on a cancellation (600 s)
SHELL_OPS = {";", "&&", "||", "|", "(", ")", "&", ";;", "\n"}
SHELL_WORDS = {"until", "while", "do", "done", "if", "then", "else", "elif", "fi", "!", "{", "}"}
REDIRECTS = {">", ">>", "<", "<<", ">&", "<&", "2>"}
CLI_GLOBALS = {"--region", "--query", "--output", "--endpoint-url", "--cli-input-json", "--profile",
               "--no-paginate", "--color", "--no-cli-pager"}


class World(Sim):
    """A simulator of the demo scenario (by default) whose clock moves only when told."""

    def __init__(self, scenario="demo", seed=1):
        super().__init__(scenario=scenario, speed=FROZEN, seed=seed)

    def state(self):
        return json.loads(self.control("/_sim/state"))

    def refresh_statuses(self):
        return {g["name"]: (g.get("refresh") or {}).get("status") for g in self.state()["groups"]}

    def snapshot(self, repositories, groups):
        ecr, asg = self.client("ecr"), self.client("autoscaling")
        world = {"tags": {}, "images": {}, "refreshes": {}}
        for repo in repositories:
            tags, digests = {}, []
            for page in ecr.get_paginator("describe_images").paginate(repositoryName=repo):
                for im in page["imageDetails"]:
                    digests.append(im["imageDigest"])
                    for t in im.get("imageTags", []):
                        tags[t] = im["imageDigest"]
            world["tags"][repo] = tags
            world["images"][repo] = sorted(digests)
        for g in groups:
            rs = asg.describe_instance_refreshes(AutoScalingGroupName=g)["InstanceRefreshes"]
            world["refreshes"][g] = [{k: r.get(k) for k in ("Preferences", "DesiredConfiguration")} for r in rs]
        return world


@contextlib.contextmanager
def settled(world, poll_s=0.05):
    """While the body runs, a refresh seen Cancelling makes the world's clock jump past
    the cancellation (tarmac's wait step and the printed wait loop then see it end)."""
    stop = threading.Event()

    def tick():
        while not stop.wait(poll_s):
            try:
                if "Cancelling" in world.refresh_statuses().values():
                    world.advance(CANCEL_SETTLE_S)
            except OSError:
                pass   # the world is going away with the test

    th = threading.Thread(target=tick, daemon=True)
    th.start()
    try:
        yield
    finally:
        stop.set()
        th.join(10)


def journal_plans(env):
    """[{plan_id, action, steps: [{step, kind, outcome, cli}]}] from `tarmac log --json`,
    oldest first; env names the state directory (XDG_STATE_HOME)."""
    p = subprocess.run([BIN, "log", "--json"], env=env, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError(f"tarmac log --json: {p.stderr}")
    plans, order = {}, []
    for line in p.stdout.splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        pid = rec.get("plan_id")
        if not pid:
            continue
        if pid not in plans:
            plans[pid] = {"plan_id": pid, "action": rec.get("action"), "steps": {}}
            order.append(pid)
        if rec.get("event") == "step_end":
            plans[pid]["steps"][rec["step"]] = {"step": rec["step"], "kind": rec.get("step_kind"),
                                                "outcome": rec.get("outcome"), "cli": rec.get("cli")}
    return [dict(plans[pid], steps=[plans[pid]["steps"][k] for k in sorted(plans[pid]["steps"])]) for pid in order]


# ---- reading shell command lines ----

def _substitutions(word):
    """The command lines inside $( ... ) in word (not arithmetic $(( ... )))."""
    out, i = [], 0
    while True:
        i = word.find("$(", i)
        if i < 0:
            return out
        if word.startswith("$((", i):
            i += 3
            continue
        depth, j, quote = 1, i + 2, None
        while j < len(word) and depth:
            c = word[j]
            if quote:
                if c == quote:
                    quote = None
            elif c in "'\"":
                quote = c
            elif c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            j += 1
        out.append(word[i + 2:j - 1])
        i = j


def _scan(text, out):
    lex = shlex.shlex(text, posix=True, punctuation_chars=True)
    lex.whitespace_split = True
    tokens = list(lex)
    i, start = 0, True
    while i < len(tokens):
        t = tokens[i]
        for inner in _substitutions(t):
            _scan(inner, out)
        if t in SHELL_OPS or t in SHELL_WORDS:
            start = True
        elif start and t == "aws":
            args, i = [], i + 1
            while i < len(tokens) and tokens[i] not in SHELL_OPS and tokens[i] not in REDIRECTS:
                for inner in _substitutions(tokens[i]):
                    _scan(inner, out)
                args.append(tokens[i])
                i += 1
            out.append(args)
            start = False
            continue
        else:
            start = "=" in t and start   # an assignment word keeps the command position
        i += 1


def invocations(cmd):
    """[[SERVICE, OPERATION, ARG...]] for every `aws` command in the shell text cmd."""
    out = []
    _scan(cmd, out)
    return out


def _options(args):
    """[(--name, [values])] of a CLI argument list (after SERVICE OPERATION)."""
    opts = []
    for a in args:
        if a.startswith("--"):
            opts.append((a, []))
        elif opts:
            opts[-1][1].append(a)
    return opts


def _member(skeleton, option):
    want = option[2:].replace("-", "").lower()
    for k in skeleton:
        if k.lower() == want:
            return k
    return None


def _unknown_members(value, skeleton, path):
    """Dotted names in value (decoded JSON) that skeleton (the CLI's input skeleton) lacks."""
    if isinstance(value, dict) and isinstance(skeleton, dict):
        out = []
        for k, v in value.items():
            if k not in skeleton:
                out.append(f"{path}.{k}")
            else:
                out += _unknown_members(v, skeleton[k], f"{path}.{k}")
        return out
    if isinstance(value, list) and isinstance(skeleton, list) and skeleton:
        return [m for v in value for m in _unknown_members(v, skeleton[0], path)]
    return []


class AwsCli:
    """The installed AWS CLI, run with env (its credentials and region) and no user files."""

    def __init__(self, env):
        self.env = dict(env, AWS_PAGER="")
        p = subprocess.run(["aws", "--version"], env=self.env, capture_output=True, text=True, timeout=60)
        self.version = (p.stdout or p.stderr).strip()
        self._skeletons = {}

    def skeleton(self, service, operation):
        """(input skeleton dict, None) or (None, why it is missing)."""
        key = (service, operation)
        if key not in self._skeletons:
            p = subprocess.run(["aws", service, operation, "--generate-cli-skeleton"], env=self.env,
                               capture_output=True, text=True, timeout=120)
            if p.returncode == 0:
                self._skeletons[key] = (json.loads(p.stdout), None)
            else:
                why = "Invalid choice" if "Invalid choice" in p.stderr else p.stderr.strip().splitlines()[-1:]
                self._skeletons[key] = (None, f"`aws {service} {operation}` is not there ({why})")
        return self._skeletons[key]

    def unsupported(self, cmd):
        """None when this CLI knows every operation, parameter and JSON member cmd uses;
        else the reason, naming the CLI's version."""
        for args in invocations(cmd):
            if len(args) < 2:
                return f"cannot read the command {args!r}"
            svc, op = args[0], args[1]
            skel, why = self.skeleton(svc, op)
            if skel is None:
                return f"{self.version}: {why}"
            for name, values in _options(args[2:]):
                if name in CLI_GLOBALS:
                    continue
                member = _member(skel, name)
                if member is None:
                    return f"{self.version}: `aws {svc} {op}` has no {name}"
                if len(values) == 1 and values[0][:1] in "[{":
                    unknown = _unknown_members(json.loads(values[0]), skel[member], member)
                    if unknown:
                        return f"{self.version}: `aws {svc} {op}` does not know {', '.join(unknown)}"
        return None

    def run(self, cmd, world, cwd, timeout=300):
        """cmd under `sh -c` in cwd, `aws` going to world's endpoint."""
        script = 'aws() { command aws --endpoint-url "$TARMAC_REPLAY_ENDPOINT" "$@"; }\n' + cmd
        env = dict(self.env, TARMAC_REPLAY_ENDPOINT=world.url)
        return subprocess.run(["sh", "-c", script], env=env, cwd=cwd, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)


def cli_env(world, home):
    """The AWS CLI's environment for world: the scenario's keys and region, no files."""
    env = world.env(home)
    for name in ("aws-config", "aws-credentials"):
        open(os.path.join(home, name), "a").close()
    return env


def wait_until(pred, limit_s=30, poll_s=0.05):
    """Polls pred until true or limit_s passes; returns its last value."""
    stop = time.monotonic() + limit_s
    while True:
        v = pred()
        if v or time.monotonic() >= stop:
            return v
        time.sleep(poll_s)
