#!/usr/bin/env python3
"""The simulator's ECS driven by boto3 and the AWS CLI: every describe and list call
parses; `update-service --force-new-deployment` makes a new PRIMARY deployment that
moves to COMPLETED within minimumHealthyPercent; `aws ecs wait services-stable`
returns once it has; a deployment resolves the tag's digest in the simulated ECR when
it starts; a bad image trips the deployment circuit breaker (0.5 x desired, at least
3 failed tasks) and rolls back to the last COMPLETED deployment; validation errors
come back with the codes of botocore's ecs model; service deployments follow the
deployments, and StopServiceDeployment rolls one back; scenario mistakes name
FILE:LINE.
Rules and sources: docs/simulator.md (ECS).

Every test writes its own scenario and starts its own simulator; most run at a crawl
(speed 0.001) and move time with /_sim/advance, so what they see does not depend on
the machine's speed. Every wait is bounded in simulated time and in steps; the AWS
CLI waiter runs at speed 10 under a subprocess timeout. Environment: TARMAC_BIN,
TARMAC_TOP."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from sim_peer import BIN, Sim

REQUIRED = True

try:
    import boto3
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError:  # reported as a skip below
    boto3 = None

AKID = "AKIAECSTEST000000001"
SECRET = "ecs/test/secret/key/000000000000000000"
REGION = "us-east-1"
ACCOUNT = "123456789012"
REGISTRY = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"

SCENARIO = f"""\
account: "{ACCOUNT}"
region: {REGION}
start_time: 2024-05-01T12:00:00Z
credentials:
  - {{access_key_id: {AKID}, secret_access_key: {SECRET}}}
page_sizes: {{ListTasks: 2, ListTaskDefinitions: 2}}
target_groups:
  - {{name: app-tg, port: 8080}}
repositories:
  - name: app
    images:
      - {{tags: [v1, prod], layers: [100]}}
      - {{tags: [v2], layers: [200]}}
      - {{tags: [bad], layers: [300], bad: true}}
ecs:
  task_definitions:
    - family: app
      cpu: "256"
      memory: "512"
      containers: [{{name: app, image: "app:prod", log_group: /ecs/app}}]
    - {{family: other, revisions: 3, containers: [{{name: o, image: "public.ecr.aws/nginx/nginx:1.27"}}]}}
  clusters:
    - name: prod
      services:
        - {{name: app, task_definition: app, desired: 3, circuit_breaker: true, rollback: true,
           target_group: app-tg, container_port: 8080, start_delay: 5, healthy_after: 5, stop_delay: 2}}
        - {{name: app-norollback, task_definition: app, desired: 2, circuit_breaker: true, rollback: false,
           start_delay: 5, healthy_after: 5, stop_delay: 2}}
        - {{name: app-nobreaker, task_definition: app, desired: 2, start_delay: 5, healthy_after: 5,
           stop_delay: 2}}
"""

STEP_S = 5          # simulated seconds per /_sim/advance while waiting
MAX_STEPS = 200     # bound on every wait loop (200 * 5 s = 1000 simulated seconds)


class EcsSim(Sim):
    """sim_peer's Sim on a scenario file this module writes."""

    def __init__(self, path, speed):  # pylint: disable=super-init-not-called
        self.args = [BIN, "sim", "--port", "0", "--scenario", path, "--speed", str(speed), "--seed", "5"]
        self.akid, self.secret, self.region = AKID, SECRET, REGION
        self.proc = None
        self.url = None
        self.token = None

    def client(self, service, validate=True):
        return boto3.client(service, endpoint_url=self.url, region_name=REGION, aws_access_key_id=AKID,
                            aws_secret_access_key=SECRET,
                            config=Config(parameter_validation=validate, retries={"total_max_attempts": 1}))


class Base(unittest.TestCase):
    speed = 0.001

    @classmethod
    def setUpClass(cls):
        if boto3 is None:
            raise unittest.SkipTest("boto3 is not installed")
        if not (os.path.isfile(BIN) and os.access(BIN, os.X_OK)):
            raise unittest.SkipTest(f"no tarmac binary at {BIN}")
        cls.dir = tempfile.mkdtemp(prefix="tarmac-ecs-")
        cls.path = os.path.join(cls.dir, "ecs.yaml")
        with open(cls.path, "w", encoding="utf-8") as f:
            f.write(SCENARIO)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.sim = EcsSim(self.path, self.speed).start()
        self.addCleanup(self.sim.stop)
        self.ecs = self.sim.client("ecs")

    # ---------- helpers ----------

    def service(self, name="app"):
        return self.ecs.describe_services(cluster="prod", services=[name])["services"][0]

    def tasks(self, service="app", desired="RUNNING"):
        arns = []
        for page in self.ecs.get_paginator("list_tasks").paginate(cluster="prod", serviceName=service,
                                                                  desiredStatus=desired):
            arns += page["taskArns"]
        out = []
        for i in range(0, len(arns), 100):
            out += self.ecs.describe_tasks(cluster="prod", tasks=arns[i:i + 100])["tasks"]
        return out

    def wait_service(self, pred, name="app", on_step=None):
        """Advances simulated time by STEP_S until pred(service) holds; bounded."""
        for _ in range(MAX_STEPS):
            s = self.service(name)
            if on_step:
                on_step(s)
            if pred(s):
                return s
            self.sim.advance(STEP_S)
        self.fail(f"not reached within {MAX_STEPS * STEP_S} simulated seconds: {self.service(name)['deployments']}")

    def ecr_digest(self, tag):
        ecr = self.sim.client("ecr")
        return ecr.describe_images(repositoryName="app", imageIds=[{"imageTag": tag}])["imageDetails"][0]["imageDigest"]

    def register(self, tag):
        """A new revision of app: the current one copied, the image's tag replaced."""
        td = self.ecs.describe_task_definition(taskDefinition="app")["taskDefinition"]
        keep = {k: td[k] for k in ("family", "containerDefinitions", "networkMode", "requiresCompatibilities",
                                   "cpu", "memory") if k in td}
        keep["containerDefinitions"][0]["image"] = f"{REGISTRY}/app:{tag}"
        return self.ecs.register_task_definition(**keep)["taskDefinition"]

    def messages(self, name="app"):
        return [e["message"] for e in self.service(name)["events"]]


def completed(s):
    return len(s["deployments"]) == 1 and s["deployments"][0]["rolloutState"] == "COMPLETED"


class Reads(Base):
    """Every read parses in boto3 and the AWS CLI and says what the scenario built."""

    def test_clusters_services_tasks(self):
        self.assertEqual(self.ecs.list_clusters()["clusterArns"], [f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/prod"])
        c = self.ecs.describe_clusters(clusters=["prod", "nope"])
        self.assertEqual(c["clusters"][0]["runningTasksCount"], 7)
        self.assertEqual(c["clusters"][0]["activeServicesCount"], 3)
        self.assertEqual(c["failures"][0]["reason"], "MISSING")
        arns = self.ecs.list_services(cluster="prod")["serviceArns"]
        self.assertEqual(len(arns), 3)
        r = self.ecs.describe_services(cluster="prod", services=["app", "gone"])
        self.assertEqual(r["failures"][0]["reason"], "MISSING")
        s = r["services"][0]
        self.assertEqual((s["desiredCount"], s["runningCount"], s["pendingCount"]), (3, 3, 0))
        self.assertEqual(s["deploymentConfiguration"]["deploymentCircuitBreaker"], {"enable": True, "rollback": True})
        self.assertEqual(s["deploymentConfiguration"]["minimumHealthyPercent"], 100)
        self.assertEqual(s["deploymentConfiguration"]["maximumPercent"], 200)
        self.assertEqual(s["loadBalancers"][0]["containerPort"], 8080)
        self.assertIn(":targetgroup/app-tg/", s["loadBalancers"][0]["targetGroupArn"])
        self.assertEqual(s["deploymentController"], {"type": "ECS"})
        (d,) = s["deployments"]
        self.assertEqual((d["status"], d["rolloutState"]), ("PRIMARY", "COMPLETED"))
        self.assertRegex(d["id"], r"^ecs-svc/\d{19}$")
        self.assertIn("has reached a steady state.", s["events"][0]["message"])

        tasks = self.tasks()   # three tasks, listed two per page
        self.assertEqual(len(tasks), 3)
        digest = self.ecr_digest("prod")
        for t in tasks:
            self.assertEqual((t["lastStatus"], t["desiredStatus"], t["healthStatus"]), ("RUNNING", "RUNNING", "HEALTHY"))
            self.assertEqual(t["startedBy"], d["id"])
            self.assertEqual(t["launchType"], "FARGATE")
            self.assertIn(t["availabilityZone"], ("us-east-1a", "us-east-1b"))
            (att,) = t["attachments"]
            self.assertEqual(att["type"], "ElasticNetworkInterface")
            ip = {x["name"]: x["value"] for x in att["details"]}["privateIPv4Address"]
            self.assertRegex(ip, r"^10\.0\.\d+\.\d+$")
            (c,) = t["containers"]
            self.assertEqual(c["image"], f"{REGISTRY}/app:prod")
            self.assertEqual(c["imageDigest"], digest)
        # a task by its id, and one that is not there
        tid = tasks[0]["taskArn"].rsplit("/", 1)[1]
        r = self.ecs.describe_tasks(cluster="prod", tasks=[tid, "0" * 32])
        self.assertEqual(len(r["tasks"]), 1)
        self.assertEqual(r["failures"][0]["reason"], "MISSING")

    def test_task_definitions(self):
        td = self.ecs.describe_task_definition(taskDefinition="app")["taskDefinition"]
        self.assertEqual((td["family"], td["revision"], td["status"]), ("app", 1, "ACTIVE"))
        self.assertEqual(td["networkMode"], "awsvpc")
        c = td["containerDefinitions"][0]
        self.assertEqual(c["logConfiguration"]["options"]["awslogs-group"], "/ecs/app")
        self.assertEqual(self.ecs.describe_task_definition(taskDefinition="other:2")["taskDefinition"]["revision"], 2)
        arns = []
        for page in self.ecs.get_paginator("list_task_definitions").paginate(familyPrefix="oth", sort="DESC"):
            arns += page["taskDefinitionArns"]
        self.assertEqual([a.rsplit(":", 1)[1] for a in arns], ["3", "2", "1"])
        new = self.register("v2")
        self.assertEqual(new["revision"], 2)
        self.assertEqual(new["taskDefinitionArn"], f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/app:2")
        self.assertEqual(new["containerDefinitions"][0]["image"], f"{REGISTRY}/app:v2")
        self.assertEqual(new["containerDefinitions"][0]["logConfiguration"], c["logConfiguration"])

    def test_aws_cli_reads(self):
        if shutil.which("aws") is None:
            self.skipTest("the AWS CLI is not installed")
        out = self.cli("ecs", "describe-services", "--cluster", "prod", "--services", "app", "app-nobreaker")
        self.assertEqual([s["serviceName"] for s in out["services"]], ["app", "app-nobreaker"])
        out = self.cli("ecs", "list-tasks", "--cluster", "prod")   # the CLI follows nextToken itself
        self.assertEqual(len(out["taskArns"]), 7)
        out = self.cli("ecs", "describe-tasks", "--cluster", "prod", "--tasks", *out["taskArns"][:3])
        self.assertEqual(len(out["tasks"]), 3)
        out = self.cli("ecs", "list-task-definitions", "--family-prefix", "app")
        self.assertEqual(out["taskDefinitionArns"], [f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/app:1"])

    def cli(self, *args, expect_error=None, timeout=60):
        return run_cli(self, self.sim.url, *args, expect_error=expect_error, timeout=timeout)


def run_cli(test, url, *args, expect_error=None, timeout=60):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=AKID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_DEFAULT_REGION=REGION,
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_EC2_METADATA_DISABLED="true",
               AWS_PAGER="")
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        env.pop(k, None)
    r = subprocess.run(["aws", "--endpoint-url", url, "--region", REGION, "--output", "json", *args], env=env,
                       capture_output=True, text=True, timeout=timeout)
    if expect_error:
        test.assertNotEqual(r.returncode, 0, r.stdout)
        test.assertIn(expect_error, r.stderr)
        return r.stderr
    test.assertEqual(r.returncode, 0, f"{' '.join(args)}: {r.stderr}")
    return json.loads(r.stdout) if r.stdout.strip() else {}


class Deploy(Base):
    """A forced new deployment, and a new task definition, roll within
    minimumHealthyPercent (100 %: three healthy tasks at every step) and maximumPercent
    (200 %: at most six tasks), then COMPLETE with the old deployment gone."""

    def test_force_new_deployment(self):
        if shutil.which("aws") is None:
            self.skipTest("the AWS CLI is not installed")
        before = self.service()["deployments"][0]["id"]
        out = run_cli(self, self.sim.url, "ecs", "update-service", "--cluster", "prod", "--service", "app",
                      "--force-new-deployment")
        deps = out["service"]["deployments"]
        self.assertEqual([(d["status"], d["rolloutState"]) for d in deps],
                         [("PRIMARY", "IN_PROGRESS"), ("ACTIVE", "COMPLETED")])
        self.assertEqual(deps[1]["id"], before)
        new = deps[0]["id"]
        self.assertEqual(deps[0]["rolloutStateReason"], f"ECS deployment {new} in progress.")
        seen = {"min_healthy": 99, "max_live": 0}

        def measure(_s):
            live = self.tasks()
            seen["min_healthy"] = min(seen["min_healthy"], sum(t["healthStatus"] == "HEALTHY" for t in live))
            seen["max_live"] = max(seen["max_live"], len(live))

        s = self.wait_service(completed, on_step=measure)
        self.assertEqual(s["deployments"][0]["id"], new)
        self.assertEqual(s["deployments"][0]["rolloutStateReason"], f"ECS deployment {new} completed.")
        self.assertGreaterEqual(seen["min_healthy"], 3, "fewer healthy tasks than minimumHealthyPercent allows")
        self.assertLessEqual(seen["max_live"], 6, "more tasks than maximumPercent allows")
        self.assertEqual({t["startedBy"] for t in self.tasks()}, {new})
        msgs = self.messages()
        self.assertIn("(service app) has reached a steady state.", msgs[0])
        self.assertIn(f"(service app) (deployment {new}) deployment completed.", msgs)
        self.assertTrue(any(m.startswith("(service app) has started 3 tasks: (task ") for m in msgs), msgs)
        self.assertTrue(any(m.startswith("(service app) has stopped 3 running tasks: (task ") for m in msgs), msgs)
        stopped = self.tasks(desired="STOPPED")
        self.assertEqual(len(stopped), 3)
        self.assertTrue(all(t["lastStatus"] == "STOPPED" and t["startedBy"] == before for t in stopped))

    def test_digest_resolved_when_the_deployment_starts(self):
        """Moving prod in ECR changes nothing running; the next deployment runs the new digest."""
        old, v2 = self.ecr_digest("prod"), self.ecr_digest("v2")
        ecr = self.sim.client("ecr")
        img = ecr.batch_get_image(repositoryName="app", imageIds=[{"imageTag": "v2"}])["images"][0]
        ecr.put_image(repositoryName="app", imageManifest=img["imageManifest"], imageTag="prod",
                      imageManifestMediaType=img["imageManifestMediaType"])
        self.sim.advance(60)
        self.assertEqual({t["containers"][0]["imageDigest"] for t in self.tasks()}, {old})
        self.ecs.update_service(cluster="prod", service="app", forceNewDeployment=True)
        self.wait_service(completed)
        self.assertEqual({t["containers"][0]["imageDigest"] for t in self.tasks()}, {v2})

    def test_new_task_definition(self):
        new = self.register("v2")
        s = self.ecs.update_service(cluster="prod", service="app", taskDefinition=new["taskDefinitionArn"])["service"]
        self.assertEqual(s["taskDefinition"], new["taskDefinitionArn"])
        self.assertEqual(s["deployments"][0]["taskDefinition"], new["taskDefinitionArn"])
        self.wait_service(completed)
        self.assertEqual({t["taskDefinitionArn"] for t in self.tasks()}, {new["taskDefinitionArn"]})
        self.assertEqual({t["containers"][0]["imageDigest"] for t in self.tasks()}, {self.ecr_digest("v2")})
        # a desired count alone scales the current deployment: no new one
        dep = self.service()["deployments"][0]["id"]
        s = self.ecs.update_service(cluster="prod", service="app", desiredCount=4)["service"]
        self.assertEqual([d["id"] for d in s["deployments"]], [dep])
        self.wait_service(lambda x: x["runningCount"] == 4 and len(self.tasks()) == 4)


class Waiter(Base):
    """`aws ecs wait services-stable` returns once the deployment has completed (the
    simulator at speed 10: some seconds of simulated time per real second)."""
    speed = 10

    def test_services_stable(self):
        if shutil.which("aws") is None:
            self.skipTest("the AWS CLI is not installed")
        run_cli(self, self.sim.url, "ecs", "update-service", "--cluster", "prod", "--service", "app",
                "--force-new-deployment")
        self.assertEqual(len(self.service()["deployments"]), 2)
        run_cli(self, self.sim.url, "ecs", "wait", "services-stable", "--cluster", "prod", "--services", "app",
                timeout=120)
        self.assertTrue(completed(self.service()), self.service()["deployments"])

    def test_boto3_waiter(self):
        self.ecs.update_service(cluster="prod", service="app", forceNewDeployment=True)
        self.ecs.get_waiter("services_stable").wait(cluster="prod", services=["app"],
                                                     WaiterConfig={"Delay": 1, "MaxAttempts": 90})
        self.assertTrue(completed(self.service()))


class CircuitBreaker(Base):
    """A deployment whose image never passes health checks: with the circuit breaker it
    FAILS after max(3, 0.5 x desired) failed tasks, and with rollback the service runs
    the last COMPLETED deployment's task definition and digest again."""

    def bad_deploy(self, service):
        new = self.register("bad")
        self.ecs.update_service(cluster="prod", service=service, taskDefinition=new["taskDefinitionArn"])
        return self.service(service)["deployments"][0]["id"], new

    def test_rollback(self):
        good_td = self.service()["taskDefinition"]
        good_dep = self.service()["deployments"][0]["id"]
        digest = self.ecr_digest("prod")
        bad_dep, _ = self.bad_deploy("app")

        def rolled_back(s):
            return completed(s) and s["deployments"][0]["id"] not in (good_dep, bad_dep)

        s = self.wait_service(lambda s: any(d["id"] == bad_dep and d["rolloutState"] == "FAILED"
                                            for d in s["deployments"]))
        failed = next(d for d in s["deployments"] if d["id"] == bad_dep)
        self.assertEqual(failed["rolloutStateReason"], "ECS deployment circuit breaker: task failed to start.")
        self.assertGreaterEqual(failed["failedTasks"], 3)
        primary = s["deployments"][0]
        self.assertEqual(primary["status"], "PRIMARY")
        self.assertEqual(primary["taskDefinition"], good_td)
        self.assertEqual(primary["rolloutStateReason"],
                         f"ECS deployment circuit breaker: rolling back to deploymentId {good_dep}.")
        s = self.wait_service(rolled_back)
        self.assertEqual(s["taskDefinition"], good_td)
        live = self.tasks()
        self.assertEqual(len(live), 3)
        self.assertEqual({t["containers"][0]["imageDigest"] for t in live}, {digest})
        msgs = self.messages()
        self.assertIn(f"(service app) (deployment {bad_dep}) deployment failed: tasks failed to start.", msgs)
        self.assertIn(f"(service app) rolling back to deployment {good_dep}.", msgs)
        bad_tasks = [t for t in self.tasks(desired="STOPPED") if t["startedBy"] == bad_dep]
        self.assertGreaterEqual(len(bad_tasks), 3)
        for t in bad_tasks:
            self.assertEqual(t["stopCode"], "ServiceSchedulerInitiated")
            self.assertIn("Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:",
                          t["stoppedReason"])
            self.assertEqual(t["containers"][0]["imageDigest"], self.ecr_digest("bad"))

    def test_without_rollback(self):
        bad_dep, _ = self.bad_deploy("app-norollback")
        s = self.wait_service(lambda s: s["deployments"][0]["rolloutState"] == "FAILED", name="app-norollback")
        self.assertEqual(s["deployments"][0]["id"], bad_dep)
        self.assertEqual(s["deployments"][0]["status"], "PRIMARY")
        self.assertGreaterEqual(s["deployments"][0]["failedTasks"], 3)   # threshold: max(3, 0.5 x 2)
        for _ in range(10):
            self.sim.advance(STEP_S)
        live = self.tasks("app-norollback")
        self.assertEqual(len(live), 2, "the old deployment's tasks stay when nothing rolls back")
        self.assertTrue(all(t["healthStatus"] == "HEALTHY" and t["startedBy"] != bad_dep for t in live))
        self.assertEqual(self.service("app-norollback")["deployments"][0]["rolloutState"], "FAILED")

    def test_without_circuit_breaker(self):
        bad_dep, _ = self.bad_deploy("app-nobreaker")
        for _ in range(40):
            self.sim.advance(STEP_S)
        d = self.service("app-nobreaker")["deployments"][0]
        self.assertEqual((d["id"], d["rolloutState"]), (bad_dep, "IN_PROGRESS"))
        self.assertGreater(d["failedTasks"], 3)   # it keeps trying


class Refusals(Base):
    """Validation errors with the codes of botocore's ecs model (parameter validation
    off in the client: the point is what the simulator answers)."""

    def refused(self, code, call, **kw):
        ecs = self.sim.client("ecs", validate=False)
        with self.assertRaises(ClientError) as cm:
            getattr(ecs, call)(**kw)
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], code, err)
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
        model = botocore.session.get_session().get_service_model("ecs")
        self.assertIn(code, [e.name for e in model.operation_model(
            "".join(p[:1].upper() + p[1:] for p in call.split("_"))).error_shapes])
        return err["Error"]["Message"]

    def test_errors(self):
        self.assertEqual(self.refused("ClusterNotFoundException", "list_services", cluster="nope"),
                         "Cluster not found.")
        self.refused("ClusterNotFoundException", "describe_services", cluster="nope", services=["app"])
        self.assertEqual(self.refused("ServiceNotFoundException", "update_service", cluster="prod", service="gone",
                                      forceNewDeployment=True), "Service not found.")
        self.refused("ServiceNotFoundException", "list_tasks", cluster="prod", serviceName="gone")
        self.refused("InvalidParameterException", "update_service", cluster="prod", service="app",
                     taskDefinition="nope:7")
        self.refused("InvalidParameterException", "describe_services", cluster="prod",
                     services=[f"s{i}" for i in range(11)])
        self.refused("InvalidParameterException", "describe_tasks", cluster="prod",
                     tasks=[f"{i:032d}" for i in range(101)])
        self.refused("InvalidParameterException", "list_tasks", cluster="prod", nextToken="forged")
        self.refused("InvalidParameterException", "list_services", cluster="prod", maxResults=500)
        self.refused("InvalidParameterException", "update_service", cluster="prod", service="app", desiredCount=-1)
        self.refused("ClientException", "describe_task_definition", taskDefinition="nope")
        self.refused("ClientException", "register_task_definition", family="x", containerDefinitions=[])
        self.refused("ClientException", "register_task_definition", family="x",
                     containerDefinitions=[{"name": "a"}])
        # nothing changed
        self.assertTrue(completed(self.service()))
        self.assertEqual(len(self.service()["deployments"]), 1)

    def test_aws_cli_error_codes(self):
        if shutil.which("aws") is None:
            self.skipTest("the AWS CLI is not installed")
        run_cli(self, self.sim.url, "ecs", "update-service", "--cluster", "nope", "--service", "app",
                "--force-new-deployment", expect_error="ClusterNotFoundException")
        run_cli(self, self.sim.url, "ecs", "describe-task-definition", "--task-definition", "nope",
                expect_error="ClientException")


class ServiceDeployments(Base):
    """ListServiceDeployments / DescribeServiceDeployments follow the deployments;
    StopServiceDeployment (ROLLBACK) moves one to ROLLBACK_REQUESTED, then rolls back to
    the previous service revision (the developer guide's "Stopping Amazon ECS service
    deployments")."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ops = botocore.session.get_session().get_service_model("ecs").operation_names
        if "StopServiceDeployment" not in ops:
            raise unittest.SkipTest(f"SKIP: botocore {botocore.__version__} has no StopServiceDeployment")

    def sds(self, service="app"):
        """Every page (botocore has no paginator for it): nextToken followed, bounded."""
        out, kw = [], {}
        for _ in range(100):
            page = self.ecs.list_service_deployments(cluster="prod", service=service, **kw)
            out += page["serviceDeployments"]
            if not page.get("nextToken"):
                return out
            kw = {"nextToken": page["nextToken"]}
        self.fail("more than 100 pages of service deployments")

    def sd(self, arn):
        return self.ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"][0]

    def test_stop_rolls_back(self):
        (first,) = self.sds()
        self.assertEqual(first["status"], "SUCCESSFUL")
        self.ecs.update_service(cluster="prod", service="app", forceNewDeployment=True)
        self.sim.advance(STEP_S)
        new, old = self.sds()
        self.assertEqual((new["status"], old["status"]), ("IN_PROGRESS", "SUCCESSFUL"))
        self.assertEqual(self.service()["currentServiceDeployment"], new["serviceDeploymentArn"])
        d = self.sd(new["serviceDeploymentArn"])
        self.assertEqual([r["arn"] for r in d["sourceServiceRevisions"]], [old["targetServiceRevisionArn"]])
        self.assertEqual(d["targetServiceRevision"]["arn"], new["targetServiceRevisionArn"])
        self.assertEqual(d["deploymentCircuitBreaker"], {"status": "MONITORING", "failureCount": 0, "threshold": 3})
        r = self.ecs.stop_service_deployment(serviceDeploymentArn=new["serviceDeploymentArn"], stopType="ROLLBACK")
        self.assertEqual(r["serviceDeploymentArn"], new["serviceDeploymentArn"])
        self.assertEqual(self.sd(new["serviceDeploymentArn"])["status"], "ROLLBACK_REQUESTED")
        self.wait_service(completed)
        d = self.sd(new["serviceDeploymentArn"])
        self.assertEqual(d["status"], "ROLLBACK_SUCCESSFUL")
        self.assertEqual(d["rollback"]["serviceRevisionArn"], old["targetServiceRevisionArn"])
        self.assertIn("finishedAt", d)
        # nothing left to stop: a finished one is refused
        with self.assertRaises(ClientError) as cm:
            self.ecs.stop_service_deployment(serviceDeploymentArn=new["serviceDeploymentArn"])
        self.assertEqual(cm.exception.response["Error"]["Code"], "ConflictException")

    def test_circuit_breaker_rollback_is_one_service_deployment(self):
        td = self.ecs.describe_task_definition(taskDefinition="app")["taskDefinition"]
        keep = {k: td[k] for k in ("family", "containerDefinitions", "networkMode", "requiresCompatibilities")}
        keep["containerDefinitions"][0]["image"] = f"{REGISTRY}/app:bad"
        new_td = self.ecs.register_task_definition(**keep)["taskDefinition"]["taskDefinitionArn"]
        self.ecs.update_service(cluster="prod", service="app", taskDefinition=new_td)
        self.wait_service(lambda s: completed(s) and s["taskDefinition"] != new_td)
        sds = self.sds()
        self.assertEqual(len(sds), 2, "the rollback belongs to the failed service deployment")
        d = self.sd(sds[0]["serviceDeploymentArn"])
        self.assertEqual(d["status"], "ROLLBACK_SUCCESSFUL")
        self.assertEqual(d["statusReason"], "ECS deployment circuit breaker: task failed to start.")
        self.assertEqual(d["deploymentCircuitBreaker"]["status"], "TRIGGERED")
        self.assertEqual(d["deploymentCircuitBreaker"]["threshold"], 3)
        self.assertGreaterEqual(d["deploymentCircuitBreaker"]["failureCount"], 3)
        self.assertEqual(d["rollback"]["serviceRevisionArn"], sds[1]["targetServiceRevisionArn"])
        self.assertEqual(self.ecs.list_service_deployments(cluster="prod", service="app",
                                                          status=["SUCCESSFUL"])["serviceDeployments"],
                         [sds[1]])

    def test_refusals(self):
        ecs = self.sim.client("ecs", validate=False)
        arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service-deployment/prod/app/nope"
        for call, kw, code in [
                ("stop_service_deployment", {"serviceDeploymentArn": arn}, "ServiceDeploymentNotFoundException"),
                ("list_service_deployments", {"cluster": "prod", "service": "gone"}, "ServiceNotFoundException"),
                ("list_service_deployments", {"cluster": "nope", "service": "app"}, "ClusterNotFoundException"),
                ("describe_service_deployments", {"serviceDeploymentArns": [arn] * 21}, "InvalidParameterException")]:
            with self.assertRaises(ClientError) as cm:
                getattr(ecs, call)(**kw)
            self.assertEqual(cm.exception.response["Error"]["Code"], code, call)
        r = self.ecs.describe_service_deployments(serviceDeploymentArns=[arn])
        self.assertEqual(r["failures"][0]["reason"], "MISSING")


class ScenarioErrors(unittest.TestCase):
    """Mistakes in the ecs: section name FILE:LINE:COLUMN."""

    def test_file_line(self):
        if not (os.path.isfile(BIN) and os.access(BIN, os.X_OK)):
            self.skipTest(f"no tarmac binary at {BIN}")
        cases = [
            ("    - {name: s, task_definition: nope}\n", ":8:7: service uses an unknown task definition 'nope'"),
            ("    - {name: s, task_definition: app:9}\n", ":8:7: service uses an unknown task definition 'app:9'"),
            ("    - {name: s, task_definition: app, target_group: tg}\n", ":8:7: service uses unknown target group"),
            ("    - {name: s, task_definition: app, desired: -1}\n", ":8:"),
        ]
        head = (f"credentials: [{{access_key_id: {AKID}, secret_access_key: {SECRET}}}]\n"
                "ecs:\n  task_definitions:\n    - {family: app, containers: [{name: a, image: \"nginx.io/x:1\"}]}\n"
                "  clusters:\n  - name: c\n    services:\n")
        with tempfile.TemporaryDirectory() as d:
            for body, want in cases:
                path = os.path.join(d, "bad.yaml")
                with open(path, "w", encoding="utf-8") as f:
                    f.write(head + body)
                r = subprocess.run([BIN, "sim", "--port", "0", "--scenario", path], capture_output=True, text=True,
                                   timeout=30)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("bad.yaml" + want, r.stderr)


if __name__ == "__main__":
    unittest.main()
