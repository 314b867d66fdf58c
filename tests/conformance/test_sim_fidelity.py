#!/usr/bin/env python3
"""The simulator's world checked against the AWS documentation with boto3: each
rule of docs/simulator.md that AWS documents (StartInstanceRefresh's refusals,
rollback progress and RollbackDetails, cancelling a rollback, composite and metric
math alarms, Standby / scale-in protected instances, suspended processes, the warm
pool, TrafficSources, target health states, MinHealthyPercentage rounding, ECR
archived images and scans, the one-hour failure rule) and the chosen-error faults,
driven through `tarmac sim` ($TARMAC_BIN) and its control API (/_sim/advance,
/_sim/events, /_sim/alarm, /_sim/faults).

Every test writes its own scenario, starts its own simulator at a crawl (speed
0.001) and moves time only with /_sim/advance, so what it sees does not depend on
the machine's speed. Every wait is a bounded loop over simulated time. A check that
needs a member an older botocore model lacks is skipped, saying which."""
import json
import os
import re
import tempfile
import unittest

from sim_peer import BIN, Sim

REQUIRED = True

try:
    import boto3
    import botocore
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError:  # reported as a skip below
    boto3 = None

AKID = "AKIAFIDELITY00000001"
SECRET = "fidelity/secret/key/000000000000000000"
LT_ID = "lt-0f1de11700000001"

# The world every test starts from; {app}, {tgs}, {lbs}, {app_images}, {images}, {alarms}, {top}
# take additions ({app}: keys of app-asg, or further apps as list items; {app_images}: images of
# the app's repository, {images}: further repositories). Version 3 of the launch template pins
# an image that never passes health checks, version 4 the tag "arch".
BASE = """\
account: "123456789012"
region: us-east-1
start_time: 2024-05-01T12:00:00Z
credentials:
  - {{access_key_id: {akid}, secret_access_key: {secret}}}
launch_templates:
  - {{name: app-lt, id: {lt}, latest_version: 4, default_version: 1, pinned_tags: {{3: bad, 4: arch}}}}
target_groups:
  - {{name: app-tg, port: 8080, interval: 10, healthy_threshold: 2, unhealthy_threshold: 2, deregistration_delay: 5}}
{tgs}load_balancers:
  - name: alb
    listeners: [{{port: 80, target_group: app-tg}}]
{lbs}repositories:
  - name: app
    images:
      - {{tags: [v1, prod], layers: [100]}}
      - {{tags: [v2], layers: [200]}}
      - {{tags: [bad], bad: true}}
{app_images}{images}apps:
  - name: app-asg
    min: 1
    max: 12
    desired: {desired}
    azs: [us-east-1a, us-east-1b]
    launch_template: app-lt
    version: "1"
    health_check_type: ELB
    grace_period: 60
    default_warmup: 20
    target_groups: [app-tg]
    repository: app
    launch_delay: 10
    boot: 5
{app}alarms:
  - {{name: app-unhealthy, metric: UnHealthyHostCount, target_group: app-tg, threshold: 0, period: 60, evaluation_periods: 1}}
{alarms}{top}"""


def scenario(app="", tgs="", lbs="", images="", alarms="", top="", desired=4, app_images=""):
    return BASE.format(akid=AKID, secret=SECRET, lt=LT_ID, app=app, tgs=tgs, lbs=lbs, images=images, alarms=alarms,
                       top=top, desired=desired, app_images=app_images)


def model_has(service, shape, member):
    """Whether the installed botocore's model of service has shape.member."""
    try:
        return member in botocore.session.get_session().get_service_model(service).shape_for(shape).members
    except Exception:  # an unknown shape is a missing member too
        return False


class FidelitySim(Sim):
    """sim_peer's Sim on a scenario file this module writes (Sim reads built-in ones)."""

    def __init__(self, path):  # pylint: disable=super-init-not-called
        self.args = [BIN, "sim", "--port", "0", "--scenario", path, "--speed", "0.001", "--seed", "7"]
        self.akid, self.secret, self.region = AKID, SECRET, "us-east-1"
        self.proc = None
        self.url = None

    def client(self, service, validate=True):
        return boto3.client(service, endpoint_url=self.url, region_name=self.region, aws_access_key_id=AKID,
                            aws_secret_access_key=SECRET,
                            config=Config(parameter_validation=validate, retries={"total_max_attempts": 1}))


class Base(unittest.TestCase):
    yaml = scenario()
    members = ()   # (service, shape, member) the test class needs from botocore's models

    @classmethod
    def setUpClass(cls):
        if boto3 is None:
            raise unittest.SkipTest("boto3 is not installed")
        if not (os.path.isfile(BIN) and os.access(BIN, os.X_OK)):
            raise unittest.SkipTest(f"no tarmac binary at {BIN}")
        for m in cls.members:
            if not model_has(*m):
                raise unittest.SkipTest(f"SKIP: botocore {botocore.__version__} has no {m[0]} {m[1]}.{m[2]}")
        cls.dir = tempfile.mkdtemp(prefix="tarmac-fidelity-")

    def setUp(self):
        path = os.path.join(self.dir, self.id().rsplit(".", 1)[-1] + ".yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.yaml)
        self.sim = FidelitySim(path).start()
        self.addCleanup(self.sim.stop)
        self.asg = self.sim.client("autoscaling")

    # ---------- helpers ----------

    def need(self, service, shape, member):
        if not model_has(service, shape, member):
            self.skipTest(f"SKIP: botocore {botocore.__version__} has no {service} {shape}.{member}")

    def advance(self, seconds):
        self.sim.advance(seconds)

    def refresh(self, rid=None):
        kw = {"InstanceRefreshIds": [rid]} if rid else {}
        return self.asg.describe_instance_refreshes(AutoScalingGroupName="app-asg", **kw)["InstanceRefreshes"][0]

    def group(self):
        return self.asg.describe_auto_scaling_groups(AutoScalingGroupNames=["app-asg"])["AutoScalingGroups"][0]

    def wait_refresh(self, pred, step=10, limit_s=4 * 3600, rid=None):
        """Advances simulated time by step until pred(refresh) holds; bounded by limit_s."""
        for _ in range(limit_s // step + 1):
            r = self.refresh(rid)
            if pred(r):
                return r
            self.advance(step)
        self.fail(f"not reached within {limit_s} simulated seconds: {self.refresh(rid)}")

    def start(self, **kw):
        kw.setdefault("AutoScalingGroupName", "app-asg")
        return self.asg.start_instance_refresh(**kw)["InstanceRefreshId"]

    def set_alarm(self, name, state):
        self.sim.control("/_sim/alarm", {"name": name, "state": state, "reason": "test"})

    def events(self, kind):
        return [e for e in self.sim.events() if e["type"] == kind]


FINAL = {"Successful", "Failed", "Cancelled", "RollbackSuccessful", "RollbackFailed"}


# ---------- 1. refuse what AWS refuses ----------

class Refusals(Base):
    """StartInstanceRefresh refuses, with ValidationError (400), every preference the API
    reference of RefreshPreferences / AlarmSpecification / DesiredConfiguration rules out,
    and starts nothing. Parameter validation is off in the client: botocore would catch
    some of these itself, and the point is what the simulator answers."""

    def need_preferences(self, kw):
        """Skips when the installed botocore does not know a preference used (it would
        not send it: the refusal could not be seen)."""
        for name in kw.get("Preferences", {}):
            self.need("autoscaling", "RefreshPreferences", name)

    def refused(self, **kw):
        self.need_preferences(kw)
        asg = self.sim.client("autoscaling", validate=False)
        kw.setdefault("AutoScalingGroupName", "app-asg")
        with self.assertRaises(ClientError) as cm:
            asg.start_instance_refresh(**kw)
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], "ValidationError", err)
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(self.asg.describe_instance_refreshes(AutoScalingGroupName="app-asg")["InstanceRefreshes"],
                         [], "a refused StartInstanceRefresh started a refresh")
        return err["Error"]["Message"]

    def test_checkpoint_delay_without_checkpoint_percentages(self):
        msg = self.refused(Preferences={"CheckpointDelay": 600})
        self.assertIn("CheckpointPercentages", msg)

    def test_accepted_combinations_start(self):
        # the other side of each rule: these are what AWS accepts
        prefs = {"MinHealthyPercentage": 50, "MaxHealthyPercentage": 150, "CheckpointPercentages": [20, 60],
                 "CheckpointDelay": 0, "InstanceWarmup": 0, "BakeTime": 0, "SkipMatching": False,
                 "ScaleInProtectedInstances": "Refresh", "StandbyInstances": "Terminate",
                 "AlarmSpecification": {"Alarms": ["app-unhealthy"]}}
        self.need_preferences({"Preferences": prefs})
        rid = self.start(Preferences=prefs,
                         DesiredConfiguration={"LaunchTemplate": {"LaunchTemplateId": LT_ID, "Version": "2"}},
                         Strategy="Rolling")
        self.assertEqual(self.refresh(rid)["Status"], "Pending")


REFUSALS = {
    "min_healthy_above_100": {"Preferences": {"MinHealthyPercentage": 101}},
    "min_healthy_below_0": {"Preferences": {"MinHealthyPercentage": -1}},
    "max_healthy_below_100": {"Preferences": {"MinHealthyPercentage": 90, "MaxHealthyPercentage": 99}},
    "max_healthy_above_200": {"Preferences": {"MinHealthyPercentage": 100, "MaxHealthyPercentage": 201}},
    "max_healthy_without_min_healthy": {"Preferences": {"MaxHealthyPercentage": 150}},
    "max_minus_min_over_100": {"Preferences": {"MinHealthyPercentage": 20, "MaxHealthyPercentage": 150}},
    "negative_instance_warmup": {"Preferences": {"InstanceWarmup": -1}},
    "checkpoints_not_ascending": {"Preferences": {"CheckpointPercentages": [50, 30]}},
    "checkpoints_not_unique": {"Preferences": {"CheckpointPercentages": [50, 50, 100]}},
    "checkpoint_0": {"Preferences": {"CheckpointPercentages": [0, 100]}},
    "checkpoint_over_100": {"Preferences": {"CheckpointPercentages": [50, 101]}},
    "checkpoint_delay_over_172800": {"Preferences": {"CheckpointPercentages": [50], "CheckpointDelay": 172801}},
    "negative_checkpoint_delay": {"Preferences": {"CheckpointPercentages": [50], "CheckpointDelay": -1}},
    "eleven_alarms": {"Preferences": {"AlarmSpecification": {"Alarms": ["app-unhealthy"] * 11}}},
    "alarm_that_does_not_exist": {"Preferences": {"AlarmSpecification": {"Alarms": ["no-such-alarm"]}}},
    "bake_time_over_172800": {"Preferences": {"BakeTime": 172801}},
    "negative_bake_time": {"Preferences": {"BakeTime": -1}},
    "auto_rollback_without_desired_configuration": {"Preferences": {"AutoRollback": True}},
    "scale_in_protected_instances_not_in_enum": {"Preferences": {"ScaleInProtectedInstances": "Replace"}},
    "standby_instances_not_in_enum": {"Preferences": {"StandbyInstances": "Detach"}},
    "strategy_not_in_enum": {"Strategy": "BlueGreen"},
    "desired_configuration_without_template": {"DesiredConfiguration": {"LaunchTemplate": {"Version": "2"}}},
}


def _refusal_test(kw):
    def test(self):
        self.refused(**kw)
    return test


for _name, _kw in REFUSALS.items():
    setattr(Refusals, "test_refuses_" + _name, _refusal_test(_kw))


# ---------- 2, 3. rollback progress, RollbackDetails, cancelling a rollback ----------

ROLLBACK_MEMBERS = (("autoscaling", "InstanceRefresh", "RollbackDetails"),
                    ("autoscaling", "RollbackDetails", "ProgressDetailsOnRollback"))
ROLLBACK_KEYS = ("RollbackReason", "RollbackStartTime", "PercentageCompleteOnRollback",
                 "InstancesToUpdateOnRollback", "ProgressDetailsOnRollback")


class Rollback(Base):
    yaml = scenario(desired=6)
    members = ROLLBACK_MEMBERS

    def start_and_half_way(self, **prefs):
        prefs.setdefault("MinHealthyPercentage", 50)
        rid = self.start(Preferences=prefs,
                         DesiredConfiguration={"LaunchTemplate": {"LaunchTemplateId": LT_ID, "Version": "2"}})
        return rid, self.wait_refresh(lambda r: r.get("PercentageComplete", 0) >= 50, step=5, rid=rid)

    def test_rollback_percentage_goes_down_to_zero(self):
        rid, before = self.start_and_half_way()
        p0, left0 = before["PercentageComplete"], before["InstancesToUpdate"]
        self.assertTrue(0 < p0 < 100, before)
        self.asg.rollback_instance_refresh(AutoScalingGroupName="app-asg")
        seen, last = [], None
        for _ in range(1000):   # bounded: 1000 * 5 simulated seconds
            r = self.refresh(rid)
            if r["Status"] != "RollbackInProgress":
                break
            seen.append(r["PercentageComplete"])
            # InstancesToUpdate: the instances the refresh had not yet updated
            self.assertEqual(r["InstancesToUpdate"], left0, r)
            last = r
            self.advance(5)
        self.assertEqual(r["Status"], "RollbackSuccessful", r)
        self.assertGreater(len(seen), 3, "too few samples of the rollback")
        self.assertLessEqual(seen[0], p0, "the rollback started above the refresh's percentage")
        self.assertGreater(seen[0], 0, "the rollback started from zero, not from the refresh's percentage")
        for a, b in zip(seen, seen[1:]):
            self.assertLessEqual(b, a, f"PercentageComplete rose during the rollback: {seen}")
        self.assertEqual(r["PercentageComplete"], 0, r)
        self.assertIsNotNone(last)

    def test_rollback_details_filled_from_the_start(self):
        rid, before = self.start_and_half_way()
        self.asg.rollback_instance_refresh(AutoScalingGroupName="app-asg")
        r = self.refresh(rid)
        self.assertEqual(r["Status"], "RollbackInProgress")
        rb = r.get("RollbackDetails", {})
        for k in ROLLBACK_KEYS:
            self.assertIn(k, rb, f"RollbackDetails lacks {k}: {rb}")
        self.assertEqual(rb["PercentageCompleteOnRollback"], before["PercentageComplete"])
        self.assertEqual(rb["InstancesToUpdateOnRollback"], before["InstancesToUpdate"])
        self.assertIn("LivePoolProgress", rb["ProgressDetailsOnRollback"])

    def test_auto_rollback_fills_rollback_details(self):
        # version 3 pins an image that never passes health checks; the alarm fails the refresh
        rid = self.start(Preferences={"MinHealthyPercentage": 50, "AutoRollback": True,
                                      "AlarmSpecification": {"Alarms": ["app-unhealthy"]}},
                         DesiredConfiguration={"LaunchTemplate": {"LaunchTemplateId": LT_ID, "Version": "3"}})
        r = self.wait_refresh(lambda x: x["Status"] != "InProgress" and x["Status"] != "Pending", step=5, rid=rid)
        self.assertEqual(r["Status"], "RollbackInProgress", r)
        rb = r.get("RollbackDetails", {})
        for k in ROLLBACK_KEYS:
            self.assertIn(k, rb, f"RollbackDetails lacks {k}: {rb}")
        self.assertIn("app-unhealthy", rb["RollbackReason"])
        pcts = []
        r = self.wait_refresh(lambda x: pcts.append(x["PercentageComplete"]) or x["Status"] in FINAL, step=5, rid=rid)
        self.assertEqual(r["Status"], "RollbackSuccessful", r)
        self.assertEqual(pcts, sorted(pcts, reverse=True), f"PercentageComplete rose during the rollback: {pcts}")

    def test_rollback_can_be_cancelled(self):
        rid, _ = self.start_and_half_way()
        self.asg.rollback_instance_refresh(AutoScalingGroupName="app-asg")
        self.advance(5)
        self.assertEqual(self.refresh(rid)["Status"], "RollbackInProgress")
        out = self.asg.cancel_instance_refresh(AutoScalingGroupName="app-asg")
        self.assertEqual(out["InstanceRefreshId"], rid)
        self.assertIn(self.refresh(rid)["Status"], ("Cancelling", "Cancelled"))
        r = self.wait_refresh(lambda x: x["Status"] in FINAL, step=5, rid=rid)
        self.assertEqual(r["Status"], "Cancelled", r)
        self.assertIn("RollbackDetails", r)
        # nothing left to cancel
        with self.assertRaises(ClientError) as cm:
            self.asg.cancel_instance_refresh(AutoScalingGroupName="app-asg")
        self.assertEqual(cm.exception.response["Error"]["Code"], "ActiveInstanceRefreshNotFound")

    def test_cancel_without_waiting_for_transitioning_instances(self):
        self.need("autoscaling", "CancelInstanceRefreshType", "WaitForTransitioningInstances")
        rid, _ = self.start_and_half_way()
        self.asg.cancel_instance_refresh(AutoScalingGroupName="app-asg", WaitForTransitioningInstances=False)
        self.assertEqual(self.refresh(rid)["Status"], "Cancelled")


# ---------- 4. composite and metric math alarms ----------

COMPOSITES = """\
  - {name: m1, metrics: [{id: e1, expression: "m0 * 2", return_data: true}, {id: m0, metric: HTTPCode_Target_5XX_Count, stat: Sum, period: 60, return_data: false}], threshold: 10, comparison: GreaterThanThreshold, evaluation_periods: 1, state: OK}
  - {name: m2, metrics: [{id: m0, metric: TargetResponseTime, stat: Average, period: 60}, {id: ad1, expression: "ANOMALY_DETECTION_BAND(m0, 2)", label: band}], threshold_metric_id: ad1, evaluation_periods: 2, state: OK}
  - {name: m3, metrics: [{id: q1, expression: "SUM(METRICS())"}], threshold: 1, state: INSUFFICIENT_DATA}
  - {name: c-and, rule: 'ALARM(m1) AND ALARM("m2")'}
  - {name: c-mixed, rule: '(ALARM(m1) OR ALARM(m2)) AND NOT OK("m3")'}
  - {name: c-true, rule: TRUE}
  - {name: c-false, rule: 'FALSE OR FALSE'}
  - {name: c-nested, rule: 'ALARM(c-and) OR INSUFFICIENT_DATA(arn:aws:cloudwatch:us-east-1:123456789012:alarm:m3)'}
"""


class Alarms(Base):
    yaml = scenario(alarms=COMPOSITES)
    members = (("cloudwatch", "DescribeAlarmsInput", "AlarmTypes"), ("cloudwatch", "MetricAlarm", "Metrics"),
               ("cloudwatch", "MetricAlarm", "ThresholdMetricId"))

    def setUp(self):
        super().setUp()
        self.cw = self.sim.client("cloudwatch")
        self.advance(2)   # composites are evaluated on the world's first steps

    def states(self):
        out = self.cw.describe_alarms(AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        return {a["AlarmName"]: a["StateValue"] for a in out["MetricAlarms"] + out["CompositeAlarms"]}

    def test_alarm_types_omitted_lists_metric_alarms_only(self):
        out = self.cw.describe_alarms()
        self.assertEqual(out["CompositeAlarms"], [])
        self.assertEqual({a["AlarmName"] for a in out["MetricAlarms"]}, {"app-unhealthy", "m1", "m2", "m3"})
        comp = self.cw.describe_alarms(AlarmTypes=["CompositeAlarm"])
        self.assertEqual(comp["MetricAlarms"], [])
        rules = {a["AlarmName"]: a["AlarmRule"] for a in comp["CompositeAlarms"]}
        self.assertEqual(rules["c-and"], 'ALARM(m1) AND ALARM("m2")')
        named = self.cw.describe_alarms(AlarmNames=["c-true", "m1"], AlarmTypes=["CompositeAlarm", "MetricAlarm"])
        self.assertEqual([a["AlarmName"] for a in named["CompositeAlarms"]], ["c-true"])
        self.assertEqual([a["AlarmName"] for a in named["MetricAlarms"]], ["m1"])

    def test_composite_state_follows_its_rule(self):
        s = self.states()
        self.assertEqual((s["c-true"], s["c-false"]), ("ALARM", "OK"))
        self.assertEqual((s["c-and"], s["c-mixed"], s["c-nested"]), ("OK", "OK", "ALARM"))   # m3 INSUFFICIENT_DATA
        self.set_alarm("m1", "ALARM")
        self.advance(2)
        s = self.states()
        self.assertEqual((s["c-and"], s["c-mixed"]), ("OK", "ALARM"))
        self.set_alarm("m3", "OK")   # NOT OK(m3) turns false
        self.advance(2)
        s = self.states()
        self.assertEqual((s["c-mixed"], s["c-nested"]), ("OK", "OK"))
        self.set_alarm("m2", "ALARM")   # AND now holds, and the composite of a composite follows
        self.advance(2)
        s = self.states()
        self.assertEqual((s["c-and"], s["c-nested"]), ("ALARM", "ALARM"))

    def test_composite_in_alarm_stops_a_refresh(self):
        self.need("autoscaling", "RefreshPreferences", "AlarmSpecification")
        rid = self.start(Preferences={"AlarmSpecification": {"Alarms": ["c-and"]}})
        self.advance(5)
        self.assertEqual(self.refresh(rid)["Status"], "InProgress")
        self.set_alarm("m1", "ALARM")
        self.set_alarm("m2", "ALARM")
        r = self.wait_refresh(lambda x: x["Status"] in FINAL, step=1, limit_s=60, rid=rid)
        self.assertEqual(r["Status"], "Failed", r)
        self.assertIn("c-and", r["StatusReason"])

    def test_metric_math_alarms_show_metrics(self):
        out = {a["AlarmName"]: a for a in self.cw.describe_alarms(AlarmNames=["m1", "m2"])["MetricAlarms"]}
        m1 = out["m1"]
        self.assertNotIn("MetricName", m1)
        ids = {q["Id"]: q for q in m1["Metrics"]}
        self.assertEqual(ids["e1"]["Expression"], "m0 * 2")
        self.assertTrue(ids["e1"]["ReturnData"])
        self.assertEqual(ids["m0"]["MetricStat"]["Metric"]["MetricName"], "HTTPCode_Target_5XX_Count")
        self.assertEqual(ids["m0"]["MetricStat"]["Stat"], "Sum")
        self.assertEqual(m1["Threshold"], 10.0)
        m2 = out["m2"]
        self.assertEqual(m2["ThresholdMetricId"], "ad1")
        self.assertEqual(m2["ComparisonOperator"], "LessThanLowerOrGreaterThanUpperThreshold")
        self.assertNotIn("Threshold", m2)
        self.assertEqual(m2["StateValue"], "OK")


# ---------- 5. Standby, scale-in protection, suspended processes, warm pool, traffic sources ----------

class StandbyAndProtected(Base):
    yaml = scenario(app="    standby_instances: 1\n    protected_instances: 1\n")
    members = (("autoscaling", "RefreshPreferences", "StandbyInstances"),)

    def special(self):
        g = self.group()
        standby = [i["InstanceId"] for i in g["Instances"] if i["LifecycleState"] == "Standby"]
        protected = [i["InstanceId"] for i in g["Instances"] if i["ProtectedFromScaleIn"]]
        return standby, protected

    def test_described(self):
        standby, protected = self.special()
        self.assertEqual(len(standby), 1)
        self.assertEqual(len(protected), 1)
        self.assertEqual(len(self.group()["Instances"]), 5)   # desired 4 in service, 1 in Standby

    def test_scale_in_spares_protected(self):
        _, protected = self.special()
        self.asg.set_desired_capacity(AutoScalingGroupName="app-asg", DesiredCapacity=1)
        self.advance(60)
        alive = [i for i in self.group()["Instances"] if i["LifecycleState"] == "InService"]
        self.assertEqual([i["InstanceId"] for i in alive], protected)

    def test_terminate_and_refresh(self):
        standby, protected = self.special()
        rid = self.start(Preferences={"StandbyInstances": "Terminate", "ScaleInProtectedInstances": "Refresh",
                                      "MinHealthyPercentage": 50})
        r = self.wait_refresh(lambda x: x["Status"] in FINAL, rid=rid)
        self.assertEqual(r["Status"], "Successful", r)
        ids = {i["InstanceId"]: i["LifecycleState"] for i in self.group()["Instances"]}
        self.assertNotIn(standby[0], ids)
        self.assertNotIn(protected[0], ids)

    def test_ignore_leaves_them(self):
        standby, protected = self.special()
        rid = self.start(Preferences={"StandbyInstances": "Ignore", "ScaleInProtectedInstances": "Ignore",
                                      "MinHealthyPercentage": 50})
        r = self.wait_refresh(lambda x: x["Status"] in FINAL, rid=rid)
        self.assertEqual(r["Status"], "Successful", r)
        ids = {i["InstanceId"]: i["LifecycleState"] for i in self.group()["Instances"]}
        self.assertEqual(ids.get(standby[0]), "Standby")
        self.assertEqual(ids.get(protected[0]), "InService")

    def test_wait_waits_an_hour_then_fails(self):
        standby, _ = self.special()
        rid = self.start(Preferences={"MinHealthyPercentage": 50, "ScaleInProtectedInstances": "Refresh"})  # Standby: Wait
        r = self.wait_refresh(lambda x: "Standby" in (x.get("StatusReason") or ""), rid=rid)
        self.assertEqual(r["Status"], "InProgress")
        self.assertIn(standby[0], r["StatusReason"])
        self.advance(40 * 60)   # still waiting well inside the hour
        self.assertEqual(self.refresh(rid)["Status"], "InProgress")
        r = self.wait_refresh(lambda x: x["Status"] in FINAL, step=60, rid=rid)
        self.assertEqual(r["Status"], "Failed", r)
        self.assertIn("Standby", r["StatusReason"])


class Checkpoints(Base):
    """The user guide's checkpoints: the last value is the share of the group to
    replace (under 100: a partial refresh that then ends Successful), and the 100 %
    checkpoint is the end, not a pause."""

    def test_last_checkpoint_under_100_is_a_partial_refresh(self):
        before = {i["InstanceId"] for i in self.group()["Instances"]}
        rid = self.start(Preferences={"MinHealthyPercentage": 50, "CheckpointPercentages": [50],
                                      "CheckpointDelay": 3600})
        r = self.wait_refresh(lambda x: x["Status"] in FINAL, limit_s=1800, rid=rid)
        self.assertEqual(r["Status"], "Successful", r)
        self.assertEqual(r["PercentageComplete"], 50)
        self.assertEqual(len(before & {i["InstanceId"] for i in self.group()["Instances"]}), 2)

    def test_checkpoint_100_is_no_pause(self):
        rid = self.start(Preferences={"MinHealthyPercentage": 50, "CheckpointPercentages": [100],
                                      "CheckpointDelay": 3600})
        r = self.wait_refresh(lambda x: x["Status"] in FINAL, limit_s=1800, rid=rid)
        self.assertEqual(r["Status"], "Successful", r)
        self.assertEqual(r["PercentageComplete"], 100)


class Suspended(Base):
    yaml = scenario(app="    suspended_processes: [{name: Launch, reason: maintenance window}]\n")

    def test_described_and_hold_a_refresh(self):
        g = self.group()
        self.assertEqual(g["SuspendedProcesses"], [{"ProcessName": "Launch", "SuspensionReason": "maintenance window"}])
        before = {i["InstanceId"] for i in g["Instances"]}
        rid = self.start(Preferences={"MinHealthyPercentage": 50})
        self.advance(1800)
        r = self.refresh(rid)
        self.assertEqual(r["Status"], "InProgress", r)
        self.assertEqual(r["PercentageComplete"], 0)
        self.assertIn("Launch", r.get("StatusReason", ""))
        self.assertEqual({i["InstanceId"] for i in self.group()["Instances"]}, before, "instances replaced while Launch was suspended")
        self.asg.resume_processes(AutoScalingGroupName="app-asg", ScalingProcesses=["Launch"])
        r = self.wait_refresh(lambda x: x["Status"] in FINAL, rid=rid)
        self.assertEqual(r["Status"], "Successful", r)
        self.assertEqual(self.group()["SuspendedProcesses"], [])

    def test_terminate_suspended_holds_too(self):
        self.asg.resume_processes(AutoScalingGroupName="app-asg")
        self.asg.suspend_processes(AutoScalingGroupName="app-asg", ScalingProcesses=["Terminate"])
        self.assertEqual([p["ProcessName"] for p in self.group()["SuspendedProcesses"]], ["Terminate"])
        rid = self.start(Preferences={"MinHealthyPercentage": 50})
        self.advance(900)
        self.assertEqual(self.refresh(rid)["PercentageComplete"], 0)
        self.assertEqual(self.events("instance_terminating"), [])
        with self.assertRaises(ClientError) as cm:
            self.asg.suspend_processes(AutoScalingGroupName="app-asg", ScalingProcesses=["Nap"])
        self.assertEqual(cm.exception.response["Error"]["Code"], "ValidationError")


class WarmPool(Base):
    yaml = scenario(app="    warm_pool: {min_size: 2, max_group_prepared_capacity: 6, pool_state: Stopped}\n")
    members = (("autoscaling", "InstanceRefreshProgressDetails", "WarmPoolProgress"),
               ("autoscaling", "AutoScalingGroup", "WarmPoolConfiguration"))

    def warm(self):
        return self.asg.describe_warm_pool(AutoScalingGroupName="app-asg")

    def test_described(self):
        wp = self.warm()
        self.assertEqual(wp["WarmPoolConfiguration"]["MinSize"], 2)
        self.assertEqual(wp["WarmPoolConfiguration"]["PoolState"], "Stopped")
        self.assertEqual([i["LifecycleState"] for i in wp["Instances"]], ["Warmed:Stopped"] * 2)
        g = self.group()
        self.assertEqual(g["WarmPoolSize"], 2)
        self.assertEqual(g["WarmPoolConfiguration"]["MaxGroupPreparedCapacity"], 6)
        self.assertNotIn(wp["Instances"][0]["InstanceId"], {i["InstanceId"] for i in g["Instances"]})

    def test_refresh_replaces_the_warm_pool_after_the_live_pool(self):
        old_warm = {i["InstanceId"] for i in self.warm()["Instances"]}
        rid = self.start(Preferences={"MinHealthyPercentage": 50})
        self.advance(3)
        r = self.refresh(rid)
        self.assertEqual(r["ProgressDetails"]["WarmPoolProgress"], {"PercentageComplete": 0, "InstancesToUpdate": 2})
        states = set()
        r = self.wait_refresh(lambda x: states.update(i["LifecycleState"] for i in self.warm()["Instances"]) or
                              x["Status"] in FINAL, step=5, rid=rid)
        self.assertEqual(r["Status"], "Successful", r)
        self.assertIn("Warmed:Pending", states)
        self.assertEqual(r["ProgressDetails"]["WarmPoolProgress"], {"PercentageComplete": 100, "InstancesToUpdate": 0})
        self.assertEqual(r["ProgressDetails"]["LivePoolProgress"], {"PercentageComplete": 100, "InstancesToUpdate": 0})
        new_warm = {i["InstanceId"] for i in self.warm()["Instances"]}
        self.assertEqual(len(new_warm), 2)
        self.assertFalse(old_warm & new_warm, "the warm pool's instances were not replaced")


class TrafficSources(Base):
    members = (("autoscaling", "AutoScalingGroup", "TrafficSources"),)

    def test_target_groups_are_traffic_sources(self):
        self.need("autoscaling", "AutoScalingGroup", "TrafficSources")
        g = self.group()
        self.assertEqual([t["Identifier"] for t in g["TrafficSources"]], [g["TargetGroupARNs"][0]])
        self.need("autoscaling", "TrafficSourceIdentifier", "Type")    # botocore 1.29 has no Type yet
        self.assertEqual(g["TrafficSources"], [{"Identifier": g["TargetGroupARNs"][0], "Type": "elbv2"}])


# ---------- 6. target health ----------

class TargetHealth(Base):
    # app-asg is also in spare-tg, which no load balancer uses; nlb-app sits behind an
    # NLB target group with an unhealthy draining interval, on an image whose app stops
    # answering a minute after the start
    yaml = scenario(tgs="  - {name: spare-tg, port: 9000, interval: 10}\n"
                        "  - {name: nlb-tg, port: 7000, protocol: TCP, interval: 10, healthy_threshold: 2,"
                        " unhealthy_threshold: 2, unhealthy_draining_interval: 120}\n",
                    lbs="  - name: nlb\n    listeners: [{port: 7000, protocol: TCP, target_group: nlb-tg}]\n",
                    images="  - name: flaky\n    images:\n      - {tags: [prod], fails_after: 60}\n",
                    app="  - {name: nlb-app, min: 1, max: 4, desired: 2, azs: [us-east-1a], launch_template: app-lt,"
                        " health_check_type: EC2, target_groups: [nlb-tg], repository: flaky}\n"
                    ).replace("    target_groups: [app-tg]\n", "    target_groups: [app-tg, spare-tg]\n", 1)

    def setUp(self):
        super().setUp()
        self.elb = self.sim.client("elbv2")

    def tg_arn(self, name):
        return self.elb.describe_target_groups(Names=[name])["TargetGroups"][0]["TargetGroupArn"]

    def health(self, name):
        return self.elb.describe_target_health(TargetGroupArn=self.tg_arn(name))["TargetHealthDescriptions"]

    def test_unused_not_in_use(self):
        h = self.health("spare-tg")
        self.assertEqual(len(h), 4)
        for t in h:
            self.assertEqual((t["TargetHealth"]["State"], t["TargetHealth"]["Reason"]), ("unused", "Target.NotInUse"))
        # the group's health is not held by it: a refresh still succeeds
        rid = self.start(Preferences={"MinHealthyPercentage": 50})
        self.assertEqual(self.wait_refresh(lambda x: x["Status"] in FINAL, rid=rid)["Status"], "Successful")

    def test_unhealthy_draining_then_unhealthy(self):
        seen = []
        for _ in range(60):   # 60 * 5 simulated seconds
            for t in self.health("nlb-tg"):
                th = t["TargetHealth"]
                seen.append((th["State"], th.get("Reason")))
            if ("unhealthy", "Target.FailedHealthChecks") in seen:
                break
            self.advance(5)
        self.assertIn(("healthy", None), seen)
        self.assertIn(("unhealthy.draining", "Target.FailedHealthChecks"), seen)
        self.assertIn(("unhealthy", "Target.FailedHealthChecks"), seen)
        first_draining = seen.index(("unhealthy.draining", "Target.FailedHealthChecks"))
        self.assertLess(first_draining, seen.index(("unhealthy", "Target.FailedHealthChecks")))

    def test_bad_image_response_code_mismatch_and_terminated_invalid_state(self):
        self.start(Preferences={"MinHealthyPercentage": 50},
                   DesiredConfiguration={"LaunchTemplate": {"LaunchTemplateId": LT_ID, "Version": "3"}})
        reasons = set()
        for _ in range(100):
            reasons |= {t["TargetHealth"].get("Reason") for t in self.health("app-tg")
                        if t["TargetHealth"]["State"] == "unhealthy"}
            if "Target.ResponseCodeMismatch" in reasons:
                break
            self.advance(5)
        self.assertIn("Target.ResponseCodeMismatch", reasons)
        self.advance(120)
        gone = [e["instance"] for e in self.events("instance_terminated")]
        self.assertTrue(gone, "no instance was terminated")
        h = self.elb.describe_target_health(TargetGroupArn=self.tg_arn("app-tg"), Targets=[{"Id": gone[0]}])
        th = h["TargetHealthDescriptions"][0]["TargetHealth"]
        self.assertEqual((th["State"], th["Reason"]), ("unused", "Target.InvalidState"))




# ---------- 7. MinHealthyPercentage rounding ----------

class Rounding(Base):
    yaml = scenario(desired=3)

    def test_min_healthy_rounds_up(self):
        # 50 % of 3 is 1.5 instances: rounded up, 2 stay healthy, so one is replaced at a time
        since = self.sim.events()[-1]["seq"] if self.sim.events() else 0
        rid = self.start(Preferences={"MinHealthyPercentage": 50, "InstanceWarmup": 0})
        r = self.wait_refresh(lambda x: x["Status"] in FINAL, step=5, rid=rid)
        self.assertEqual(r["Status"], "Successful", r)
        healthy = [e["healthy"] for e in self.sim.events(since) if e["type"] == "asg_healthy" and e["asg"] == "app-asg"]
        self.assertTrue(healthy)
        self.assertEqual(min(healthy), 2, f"healthy went under 2 of 3: {healthy}")
        pending = [e for e in self.sim.events(since) if e["type"] == "refresh_status" and e["status"] == "Pending"]
        self.assertEqual(pending[0]["min_healthy_instances"], 2)


# ---------- 8. ECR: archived images, scans ----------

class Ecr(Base):
    yaml = scenario(app_images="      - {tags: [arch], status: ARCHIVED, archived_at: 86400}\n",
                    images="  - name: scanned\n    images:\n"
                           "      - {tags: [s1], scan: {status: COMPLETE, description: The scan was completed successfully.,"
                           " completed: 3600, findings: {CRITICAL: 1, HIGH: 3}}}\n"
                           "      - {tags: [s2], scan: {status: IN_PROGRESS}}\n")
    members = (("ecr", "ImageDetail", "imageStatus"), ("ecr", "ImageDetail", "lastArchivedAt"),
               ("ecr", "DescribeImagesFilter", "imageStatus"))

    def setUp(self):
        super().setUp()
        self.ecr = self.sim.client("ecr")

    def test_archived_not_listed_by_default(self):
        tags = {t for d in self.ecr.describe_images(repositoryName="app")["imageDetails"] for t in d.get("imageTags", [])}
        self.assertNotIn("arch", tags)
        self.assertIn("prod", tags)
        arch = self.ecr.describe_images(repositoryName="app", filter={"imageStatus": "ARCHIVED"})["imageDetails"]
        self.assertEqual([d["imageTags"] for d in arch], [["arch"]])
        self.assertEqual(arch[0]["imageStatus"], "ARCHIVED")
        self.assertIn("lastArchivedAt", arch[0])
        byid = self.ecr.describe_images(repositoryName="app", imageIds=[{"imageTag": "arch"}])["imageDetails"]
        self.assertEqual(byid[0]["imageStatus"], "ARCHIVED")

    def test_archived_cannot_be_pulled(self):
        out = self.ecr.batch_get_image(repositoryName="app", imageIds=[{"imageTag": "arch"}])
        self.assertEqual(out["images"], [])
        self.assertEqual(out["failures"][0]["failureCode"], "ImageNotFound")
        # an instance that boots on it never becomes healthy (version 4 pins the archived tag)
        rid = self.start(Preferences={"MinHealthyPercentage": 50},
                         DesiredConfiguration={"LaunchTemplate": {"LaunchTemplateId": LT_ID, "Version": "4"}})
        elb = self.sim.client("elbv2")
        arn = elb.describe_target_groups(Names=["app-tg"])["TargetGroups"][0]["TargetGroupArn"]
        reasons = set()
        for _ in range(60):   # 60 * 5 simulated seconds
            reasons |= {t["TargetHealth"].get("Reason")
                        for t in elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
                        if t["TargetHealth"]["State"] == "unhealthy"}
            self.advance(5)
        self.assertEqual(reasons, {"Target.FailedHealthChecks"})   # nothing runs: the connection fails
        launched = [e for e in self.events("instance_launched") if e["reason"] == "refresh"]
        self.assertTrue(launched)
        self.assertTrue(all(e["pull_failed"] for e in launched))
        self.assertEqual(self.refresh(rid)["PercentageComplete"], 0)

    def test_storage_class_archive_and_restore(self):
        self.need("ecr", "UpdateImageStorageClassRequest", "targetStorageClass")
        out = self.ecr.update_image_storage_class(repositoryName="app", imageId={"imageTag": "v2"},
                                                  targetStorageClass="ARCHIVE")
        self.assertEqual(out["imageStatus"], "ARCHIVED")
        self.assertEqual(self.ecr.batch_get_image(repositoryName="app", imageIds=[{"imageTag": "v2"}])["images"], [])
        out = self.ecr.update_image_storage_class(repositoryName="app", imageId={"imageTag": "v2"},
                                                  targetStorageClass="STANDARD")
        self.assertEqual(out["imageStatus"], "ACTIVATING")
        self.advance(20 * 60)
        d = self.ecr.describe_images(repositoryName="app", imageIds=[{"imageTag": "v2"}])["imageDetails"][0]
        self.assertEqual(d["imageStatus"], "ACTIVE")
        self.assertEqual(len(self.ecr.batch_get_image(repositoryName="app", imageIds=[{"imageTag": "v2"}])["images"]), 1)

    def test_scan_status_and_findings(self):
        d = {t: x for x in self.ecr.describe_images(repositoryName="scanned")["imageDetails"] for t in x["imageTags"]}
        self.assertEqual(d["s1"]["imageScanStatus"], {"status": "COMPLETE", "description": "The scan was completed successfully."})
        self.assertEqual(d["s1"]["imageScanFindingsSummary"]["findingSeverityCounts"], {"CRITICAL": 1, "HIGH": 3})
        self.assertIn("imageScanCompletedAt", d["s1"]["imageScanFindingsSummary"])
        self.assertEqual(d["s2"]["imageScanStatus"]["status"], "IN_PROGRESS")
        self.assertNotIn("imageScanFindingsSummary", d["s2"])


# ---------- 9. the refresh failure rule ----------

class FailureRule(Base):
    def test_fails_after_an_hour_of_failing_health_checks(self):
        rid = self.start(Preferences={"MinHealthyPercentage": 50},
                         DesiredConfiguration={"LaunchTemplate": {"LaunchTemplateId": LT_ID, "Version": "3"}})
        start = self.refresh(rid)["StartTime"]
        self.advance(45 * 60)   # replacements fail their health checks, again and again
        r = self.refresh(rid)
        self.assertEqual(r["Status"], "InProgress", f"failed before the documented hour: {r}")
        unhealthy = [e for e in self.events("instance_health") if e["health"] == "Unhealthy"]
        self.assertGreaterEqual(len(unhealthy), 3, "the replacements did not fail their health checks")
        r = self.wait_refresh(lambda x: x["Status"] in FINAL, step=60, rid=rid)
        self.assertEqual(r["Status"], "Failed", r)
        self.assertIn("health checks", r["StatusReason"])
        self.assertGreaterEqual((r["EndTime"] - start).total_seconds(), 3600)
        self.assertLess((r["EndTime"] - start).total_seconds(), 2 * 3600)


# ---------- 10. errors on demand ----------

class ErrorFaults(Base):
    def test_one_chosen_error_then_normal(self):
        rules = self.sim.faults([{"operation": "StartInstanceRefresh", "error_code": "LimitExceeded",
                                  "error_status": 400, "error_message": "You have reached the limit.",
                                  "error_rate": 1, "count": 1}])
        self.assertEqual(json.loads(rules)["rules"][0]["error_code"], "LimitExceeded")
        with self.assertRaises(ClientError) as cm:
            self.start()
        err = cm.exception.response
        self.assertEqual(err["Error"]["Code"], "LimitExceeded")
        self.assertEqual(err["Error"]["Message"], "You have reached the limit.")
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(self.asg.describe_instance_refreshes(AutoScalingGroupName="app-asg")["InstanceRefreshes"], [])
        rid = self.start()   # count 1: the second call goes through
        self.assertEqual(self.refresh(rid)["Status"], "Pending")
        used = json.loads(self.sim.control("/_sim/faults"))["rules"][0]
        self.assertEqual((used["count"], used["used"]), (1, 1))

    def test_json_envelope_and_5xx(self):
        self.sim.faults([{"operation": "PutImage", "service": "ecr", "error_code": "LimitExceededException",
                          "error_status": 400, "error_message": "too many", "error_rate": 1},
                         {"operation": "DescribeAlarms", "error_code": "InternalServiceError",
                          "error_status": 500, "error_message": "boom", "error_rate": 1, "count": 2}])
        ecr = self.sim.client("ecr")
        with self.assertRaises(ClientError) as cm:
            ecr.put_image(repositoryName="app", imageManifest="{}", imageTag="x")
        self.assertEqual(cm.exception.response["Error"]["Code"], "LimitExceededException")
        cw = self.sim.client("cloudwatch")
        for _ in range(2):
            with self.assertRaises(ClientError) as cm:
                cw.describe_alarms()
            self.assertEqual(cm.exception.response["Error"]["Code"], "InternalServiceError")
            self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 500)
        self.assertEqual(len(cw.describe_alarms()["MetricAlarms"]), 1)

    def test_bad_rules_refused(self):
        for body, word in [({"error_code": "not a code!", "error_rate": 1}, "error_code"),
                           ({"error_rate": 1}, "error_code"),
                           ({"error_code": "X", "error_status": 302}, "error_status")]:
            with self.assertRaises(Exception) as cm:
                self.sim.faults([dict(body, operation="StartInstanceRefresh")])
            self.assertIn(word, cm.exception.read().decode())


if __name__ == "__main__":
    unittest.main()
