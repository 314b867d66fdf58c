"""A loopback HTTP server answering the AWS calls tarmac makes with canned answers,
for states the simulator cannot produce: suspended processes, instances in Standby
or protected from scale in, a warm pool, targets unused or unhealthy.draining, an
archived stable image with scan findings, and a refresh rolling back (its
PercentageComplete falling back to 0, as AWS's API reference says it does).

The answers follow the AWS wire formats (Query/XML for autoscaling, elbv2, ec2 and
sts; JSON 1.1 for ECR, JSON 1.0 for CloudWatch) with botocore's member names.
Signatures are not checked. The refresh list is a script: each
DescribeInstanceRefreshes call takes the next step, the last one repeats.

Used by the conformance tests (import it) and the console tests (run it:
`python3 canned_aws.py` prints "listening on http://127.0.0.1:PORT"; POST a JSON
list of refreshes to /_canned/refreshes to replace the script)."""
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

ACCOUNT = "123456789012"
REGION = "us-east-1"
ACCESS_KEY = "AKIDCANNED0000000001"
SECRET_KEY = "cannedSecretKey/DoNotPrint0123456789"

TG_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/web-tg/73e2d6bc24d8a067"
LATTICE_ARN = f"arn:aws:vpc-lattice:{REGION}:{ACCOUNT}:targetgroup/tg-0e1d2c3b4a5f6e7d8"
D_LIVE = "sha256:c0ffee1c0ffee1c0ffee1c0ffee1c0ffee1c0ffee1c0ffee1c0ffee1c0ffee1c"
D_STABLE = "sha256:5ab1e0d2c3b4a5968778695a4b3c2d1e0f9e8d7c6b5a49382716051a2b3c4d5e"
D_NEW = "sha256:0e00e00e00e00e00e00e00e00e00e00e00e00e00e00e00e00e00e00e00e00e00"

LT = {"LaunchTemplateId": "lt-0a20c965061f64abc", "LaunchTemplateName": "web-lt", "Version": "3"}


def instance(iid, az, state, protected=False, health="Healthy"):
    return {"InstanceId": iid, "InstanceType": "t3.small", "AvailabilityZone": az, "LifecycleState": state,
            "HealthStatus": health, "LaunchTemplate": LT, "ProtectedFromScaleIn": protected}


GROUP = {
    "AutoScalingGroupName": "web-asg",
    "AutoScalingGroupARN": f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:autoScalingGroup:0c1d2e3f-4a5b-6c7d-8e9f-"
                           "0a1b2c3d4e5f:autoScalingGroupName/web-asg",
    "LaunchTemplate": LT,
    "MinSize": 2, "MaxSize": 6, "DesiredCapacity": 3, "DefaultCooldown": 300,
    "AvailabilityZones": ["us-east-1a", "us-east-1b"],
    "LoadBalancerNames": [],
    "TargetGroupARNs": [TG_ARN],
    "HealthCheckType": "ELB", "HealthCheckGracePeriod": 60,
    "Instances": [instance("i-0aaa0aaa0aaa0aaa0", "us-east-1a", "InService"),
                  instance("i-0bbb0bbb0bbb0bbb0", "us-east-1b", "Standby"),
                  instance("i-0ccc0ccc0ccc0ccc0", "us-east-1a", "InService", protected=True)],
    "CreatedTime": "2024-04-02T08:00:00.000Z",
    "SuspendedProcesses": [{"ProcessName": "Launch", "SuspensionReason": "User suspended at 2024-05-01T10:04:12Z"},
                           {"ProcessName": "AZRebalance",
                            "SuspensionReason": "User suspended at 2024-05-01T10:04:12Z"}],
    "VPCZoneIdentifier": "subnet-0bb1c79de3EXAMPLE",
    "Tags": [],
    "TerminationPolicies": ["Default"],
    "NewInstancesProtectedFromScaleIn": False,
    "WarmPoolConfiguration": {"MaxGroupPreparedCapacity": 4, "MinSize": 1, "PoolState": "Stopped",
                              "InstanceReusePolicy": {"ReuseOnScaleIn": True}},
    "WarmPoolSize": 1,
    "TrafficSources": [{"Identifier": TG_ARN, "Type": "elbv2"}, {"Identifier": LATTICE_ARN, "Type": "vpc-lattice"}],
}

WARM_POOL = {
    "WarmPoolConfiguration": GROUP["WarmPoolConfiguration"],
    "Instances": [instance("i-0ddd0ddd0ddd0ddd0", "us-east-1b", "Warmed:Stopped")],
}

TARGET_HEALTH = [
    {"Target": {"Id": "i-0aaa0aaa0aaa0aaa0", "Port": 8080}, "HealthCheckPort": "8080",
     "TargetHealth": {"State": "healthy"}},
    {"Target": {"Id": "i-0bbb0bbb0bbb0bbb0", "Port": 8080}, "HealthCheckPort": "8080",
     "TargetHealth": {"State": "unused", "Reason": "Target.InvalidState",
                      "Description": "Target is in the stopped or terminated state"}},
    {"Target": {"Id": "i-0ccc0ccc0ccc0ccc0", "Port": 8080}, "HealthCheckPort": "8080",
     "TargetHealth": {"State": "unhealthy.draining", "Reason": "Target.FailedHealthChecks",
                      "Description": "Health checks failed"}},
]

IMAGES = [
    {"registryId": ACCOUNT, "repositoryName": "web", "imageDigest": D_LIVE, "imageTags": ["prod", "c0ffee1"],
     "imageSizeInBytes": 74448896, "imagePushedAt": 1714564800,
     "imageManifestMediaType": "application/vnd.docker.distribution.manifest.v2+json", "imageStatus": "ACTIVE",
     "imageScanStatus": {"status": "COMPLETE", "description": "The scan was completed successfully."},
     "imageScanFindingsSummary": {"imageScanCompletedAt": 1714565100,
                                  "findingSeverityCounts": {"CRITICAL": 1, "MEDIUM": 3, "LOW": 7}}},
    {"registryId": ACCOUNT, "repositoryName": "web", "imageDigest": D_STABLE,
     "imageTags": ["prod-stable", "9b8e7d6"], "imageSizeInBytes": 73400320, "imagePushedAt": 1690000000,
     "imageManifestMediaType": "application/vnd.docker.distribution.manifest.v2+json",
     "imageStatus": "ARCHIVED", "lastArchivedAt": 1714000000},
    {"registryId": ACCOUNT, "repositoryName": "web", "imageDigest": D_NEW, "imageTags": ["0e00e00"],
     "imageSizeInBytes": 74448900, "imagePushedAt": 1714600000,
     "imageManifestMediaType": "application/vnd.docker.distribution.manifest.v2+json", "imageStatus": "ACTIVE"},
]


def refresh(status, pct, to_update=None, rollback=None, reason=None, live=None, warm=None, desired=False):
    """An InstanceRefresh as DescribeInstanceRefreshes answers it: an image deploy (the
    same launch template), or with desired a launch template version AWS can roll back."""
    r = {"InstanceRefreshId": "0b1c2d3e-aaaa-bbbb-cccc-0123456789ab", "AutoScalingGroupName": "web-asg",
         "Status": status, "StartTime": "2024-05-01T12:00:00Z", "PercentageComplete": pct,
         "Preferences": {"MinHealthyPercentage": 90, "SkipMatching": False, "StandbyInstances": "Wait",
                         "ScaleInProtectedInstances": "Wait"}}
    if desired:
        r["DesiredConfiguration"] = {"LaunchTemplate": {"LaunchTemplateId": LT["LaunchTemplateId"], "Version": "4"}}
    if to_update is not None:
        r["InstancesToUpdate"] = to_update
    if reason:
        r["StatusReason"] = reason
    if live or warm:
        r["ProgressDetails"] = {}
        if live:
            r["ProgressDetails"]["LivePoolProgress"] = {"PercentageComplete": live[0], "InstancesToUpdate": live[1]}
        if warm:
            r["ProgressDetails"]["WarmPoolProgress"] = {"PercentageComplete": warm[0], "InstancesToUpdate": warm[1]}
    if rollback:
        r["RollbackDetails"] = rollback
    if status not in ("Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking"):
        r["EndTime"] = "2024-05-01T12:20:00Z"
    return r


ROLLBACK_DETAILS = {
    "RollbackReason": "Manual rollback (RollbackInstanceRefresh)",
    "RollbackStartTime": "2024-05-01T12:10:03Z",
    "PercentageCompleteOnRollback": 60,
    "InstancesToUpdateOnRollback": 2,
    "ProgressDetailsOnRollback": {"LivePoolProgress": {"PercentageComplete": 60, "InstancesToUpdate": 1},
                                  "WarmPoolProgress": {"PercentageComplete": 50, "InstancesToUpdate": 1}},
}


def rolling_back_script():
    """A rollback from 60 %: PercentageComplete falls 45, 30, 15, 0, then RollbackSuccessful."""
    steps = [refresh("RollbackInProgress", p, to_update=1, rollback=ROLLBACK_DETAILS,
                     reason="Rollback requested by the operator", live=(p, 1), warm=(50, 1), desired=True)
             for p in (45, 30, 15, 0)]
    steps.append(refresh("RollbackSuccessful", 0, to_update=1, rollback=ROLLBACK_DETAILS,
                         reason="Rollback requested by the operator", desired=True))
    return [[s] for s in steps]


# ---------------------------------------------------------------- wire formats

AS_NS = "http://autoscaling.amazonaws.com/doc/2011-01-01/"
ELB_NS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"


def to_xml(v):
    """botocore's Query serialization turned around: lists are <member> elements."""
    if isinstance(v, dict):
        return "".join(f"<{k}>{to_xml(x)}</{k}>" for k, x in v.items())
    if isinstance(v, list):
        return "".join(f"<member>{to_xml(x)}</member>" for x in v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return escape(str(v))


def query_answer(op, ns, result_xml):
    return (f'<{op}Response xmlns="{ns}"><{op}Result>{result_xml}</{op}Result>'
            f"<ResponseMetadata><RequestId>canned-{op}</RequestId></ResponseMetadata></{op}Response>")


def ec2_instances(ids):
    items = []
    for i, iid in enumerate(ids):
        items.append(f"<item><reservationId>r-0{i}</reservationId><instancesSet><item><instanceId>{escape(iid)}"
                     f"</instanceId><instanceType>t3.small</instanceType><imageId>ami-12c6146b</imageId>"
                     f"<privateIpAddress>10.0.1.{10 + i}</privateIpAddress><instanceState><code>16</code>"
                     f"<name>running</name></instanceState><launchTime>2024-05-01T11:00:00.000Z</launchTime>"
                     f"<placement><availabilityZone>us-east-1a</availabilityZone></placement></item>"
                     f"</instancesSet></item>")
    return ('<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
            f"<requestId>canned-ec2</requestId><reservationSet>{''.join(items)}</reservationSet>"
            "</DescribeInstancesResponse>")


class CannedAws:
    """The server and its state; start() returns self with .url set."""

    def __init__(self):
        self.lock = threading.Lock()
        self.refresh_script = [[refresh("Successful", 100, to_update=0)]]
        self.refresh_calls = 0
        self.calls = []
        self.httpd = None
        self.url = None

    def set_refreshes(self, script):
        """A list of answers (each a list of refreshes, newest first)."""
        with self.lock:
            self.refresh_script = script
            self.refresh_calls = 0

    def _refreshes(self):
        with self.lock:
            step = self.refresh_script[min(self.refresh_calls, len(self.refresh_script) - 1)]
            self.refresh_calls += 1
            return step

    def answer(self, target, form):
        """(status, content type, body) for one request."""
        if target:
            op = target.rsplit(".", 1)[-1]
            self.calls.append(op)
            ctype = "application/x-amz-json-1.0" if target.startswith("Granite") else "application/x-amz-json-1.1"
            if op == "DescribeRepositories":
                return 200, ctype, json.dumps({"repositories": [{
                    "repositoryName": "web", "registryId": ACCOUNT, "imageTagMutability": "MUTABLE",
                    "repositoryArn": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/web",
                    "repositoryUri": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/web", "createdAt": 1700000000}]})
            if op == "DescribeImages":
                return 200, ctype, json.dumps({"imageDetails": IMAGES})
            if op == "DescribeAlarms":
                return 200, ctype, json.dumps({"MetricAlarms": [], "CompositeAlarms": []})
            return 400, ctype, json.dumps({"__type": "UnknownOperationException", "message": op})
        op = form.get("Action", [""])[0]
        self.calls.append(op)
        if op == "GetCallerIdentity":
            return 200, "text/xml", query_answer(op, "https://sts.amazonaws.com/doc/2011-06-15/",
                                                 f"<Arn>arn:aws:iam::{ACCOUNT}:user/on-call</Arn>"
                                                 f"<UserId>AIDACANNED</UserId><Account>{ACCOUNT}</Account>")
        if op == "DescribeAutoScalingGroups":
            return 200, "text/xml", query_answer(op, AS_NS, f"<AutoScalingGroups>{to_xml([GROUP])}"
                                                            "</AutoScalingGroups>")
        if op == "DescribeWarmPool":
            return 200, "text/xml", query_answer(op, AS_NS, to_xml(WARM_POOL))
        if op == "DescribeInstanceRefreshes":
            return 200, "text/xml", query_answer(op, AS_NS, f"<InstanceRefreshes>{to_xml(self._refreshes())}"
                                                            "</InstanceRefreshes>")
        if op == "DescribeScalingActivities":
            return 200, "text/xml", query_answer(op, AS_NS, "<Activities/>")
        if op == "DescribeTargetGroups":
            tg = {"TargetGroupArn": TG_ARN, "TargetGroupName": "web-tg", "Protocol": "HTTP", "Port": 8080,
                  "VpcId": "vpc-0abc", "HealthCheckProtocol": "HTTP", "HealthCheckPort": "traffic-port",
                  "HealthCheckEnabled": True, "HealthCheckIntervalSeconds": 30, "HealthCheckTimeoutSeconds": 5,
                  "HealthyThresholdCount": 5, "UnhealthyThresholdCount": 2, "HealthCheckPath": "/health",
                  "Matcher": {"HttpCode": "200"}, "LoadBalancerArns": [], "TargetType": "instance"}
            return 200, "text/xml", query_answer(op, ELB_NS, f"<TargetGroups>{to_xml([tg])}</TargetGroups>")
        if op == "DescribeTargetHealth":
            return 200, "text/xml", query_answer(op, ELB_NS, "<TargetHealthDescriptions>"
                                                             f"{to_xml(TARGET_HEALTH)}</TargetHealthDescriptions>")
        if op == "DescribeInstances":
            ids = [v[0] for k, v in sorted(form.items()) if k.startswith("InstanceId.")]
            return 200, "text/xml", ec2_instances(ids)
        return 400, "text/xml", ("<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code>"
                                 f"<Message>not canned: {escape(op)}</Message></Error>"
                                 "<RequestId>canned-error</RequestId></ErrorResponse>")

    def start(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status, ctype, body):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", "canned-request")
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n).decode("utf-8", "replace")
                if self.path == "/_canned/refreshes":
                    server.set_refreshes(json.loads(body))
                    self._send(200, "application/json", "{}")
                    return
                form = urllib.parse.parse_qs(body, keep_blank_values=True)
                self._send(*server.answer(self.headers.get("X-Amz-Target"), form))

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def env(self, home):
        """Environment for tarmac against this server: keys in the environment only."""
        import os
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({"HOME": home, "XDG_CONFIG_HOME": os.path.join(home, ".config"),
                    "XDG_STATE_HOME": os.path.join(home, ".state"), "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                    "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_REGION": REGION, "AWS_MAX_ATTEMPTS": "1",
                    "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"})
        return env


if __name__ == "__main__":
    # The console tests: serve until killed, the rollback script first when asked.
    s = CannedAws().start()
    if "--rolling-back" in sys.argv[1:]:
        s.set_refreshes([[refresh("RollbackInProgress", 30, to_update=1, rollback=ROLLBACK_DETAILS,
                                  reason="Rollback requested by the operator", live=(30, 1), warm=(50, 1),
                                  desired=True)]])
    print(f"listening on {s.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
