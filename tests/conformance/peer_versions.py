"""What the installed peers know: botocore's release and service models, the AWS CLI's
commands. The conformance tests run against whatever a machine has (Debian 12 ships
botocore 1.29 and AWS CLI 2.9, CI the newest), so a test asks here before it relies
on something a later release added, checks everything else, and then skips naming
the version and what it could not check, e.g. "botocore 1.29 has no
MaxHealthyPercentage in RefreshPreferences". On REFERENCE or newer nothing is
excused: there a member the model lacks is tarmac's bug, not the peer's age."""
import functools
import re
import shutil
import subprocess

REFERENCE = (1, 43)   # the botocore release the tests were written against


@functools.lru_cache(maxsize=None)
def botocore_version():
    import botocore
    return tuple(int(x) for x in re.findall(r"\d+", botocore.__version__)[:3])


def botocore_name():
    """'botocore 1.29', as a skip reason names it."""
    return "botocore " + ".".join(str(x) for x in botocore_version()[:2])


def older_botocore():
    return botocore_version()[:2] < REFERENCE


@functools.lru_cache(maxsize=None)
def _model(service):
    import botocore.session
    return botocore.session.get_session().get_service_model(service)


def has_member(service, shape, member):
    return member in _model(service).shape_for(shape).members


def _strip(shape, value, gaps):
    if shape.type_name == "structure" and isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in shape.members:
                out[k] = _strip(shape.members[k], v, gaps)
            else:
                gaps.append((shape.name, k))
        return out
    if shape.type_name == "list" and isinstance(value, list):
        return [_strip(shape.member, v, gaps) for v in value]
    return value


def known_part(service, shape, value):
    """(value without the members an older installed model lacks, [(shape, member)...]
    that were left out), through nested structures and lists. value is a shape as AWS
    sends it (e.g. tarmac's --json). On REFERENCE or newer: (value, []) untouched."""
    if not older_botocore():
        return value, []
    gaps = []
    return _strip(_model(service).shape_for(shape), value, gaps), gaps


def gaps_reason(gaps):
    """'botocore 1.29 has no A, B in RefreshPreferences, no Strategy in InstanceRefresh'."""
    by_shape = {}
    for shape, member in gaps:
        by_shape.setdefault(shape, [])
        if member not in by_shape[shape]:
            by_shape[shape].append(member)
    parts = [f"{', '.join(sorted(m))} in {s}" for s, m in by_shape.items()]
    return f"{botocore_name()} has no " + ", no ".join(parts)


@functools.lru_cache(maxsize=None)
def cli_name():
    """'AWS CLI 2.9.19' from `aws --version` (v1 prints it on stderr)."""
    r = subprocess.run(["aws", "--version"], capture_output=True, text=True, timeout=60)
    m = re.search(r"aws-cli/(\S+)", r.stdout + r.stderr)
    return "AWS CLI " + (m.group(1) if m else "(unknown version)")


@functools.lru_cache(maxsize=None)
def cli_lacks_command(service, command):
    """None when `aws SERVICE COMMAND` exists (asked offline: --generate-cli-skeleton),
    else a skip reason. Any other failure of the CLI is None too, so that the test's
    own call fails and shows it."""
    if shutil.which("aws") is None:
        return "the AWS CLI is not installed"
    r = subprocess.run(["aws", service, command, "--generate-cli-skeleton"], capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0 and "Invalid choice" in r.stderr:
        return f"{cli_name()} has no `aws {service} {command}`"
    return None
