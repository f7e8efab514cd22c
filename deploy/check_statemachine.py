"""Check deploy/statemachine.asl.json: it parses, it is well formed, and it runs.

Neither ``cfn-lint`` nor ``sam validate`` reads a ``DefinitionUri`` file, so this
script is what keeps the state machine honest. It runs in ``.venv-deploy`` (see
``.ci/deploy-lint.sh``), which has cfn-lint and moto, and needs no network:

1. the file is JSON, and its ``${Name}`` placeholders are exactly the template's
   ``DefinitionSubstitutions``;
2. every scope (the top level and the Map's item processor) starts at a state it
   has, every ``Next``/``Default``/``Catch`` names a state of the same scope,
   every state is reachable, and no state dead-ends;
3. cfn-lint's Step Functions schema accepts the definition with the
   placeholders filled in;
4. moto's Step Functions interpreter (a port of LocalStack's) executes it with
   fake plan/shard/commit/transform functions and moto's Glue jobs: shards that
   need several invocations, a throttled invocation and a transient tmdb-lake
   error (both retried), a Glue job start refused once (retried), the trusted
   then the refined Glue job, the same chain on the transform Lambda, a failed
   trusted job run (the chain stops, naming the stage), a shard that never
   completes (the loop cap), and a fatal handler error (the catch).

Usage: python deploy/check_statemachine.py [ASL_JSON] [TEMPLATE]
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
ACCOUNT = "123456789012"
REGION = "us-east-1"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
JITTER = {"FULL", "NONE"}
STATE_TYPES = {"Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"}

Json = dict[str, Any]


class CheckFailed(Exception):
    """One reason the definition is wrong."""


# ---------------------------------------------------------------- 1. placeholders
def template_substitutions(template: Path) -> set[str]:
    from cfnlint.decode import decode

    parsed, problems = decode(str(template))
    if problems or parsed is None:
        raise CheckFailed(f"{template}: cannot parse: {problems}")
    names = set()
    for resource in parsed.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::StateMachine":
            names |= set(resource.get("Properties", {}).get("DefinitionSubstitutions", {}))
    return names


def check_placeholders(text: str, template: Path) -> None:
    used = set(PLACEHOLDER.findall(text))
    given = template_substitutions(template)
    if used - given:
        raise CheckFailed(f"placeholders without a DefinitionSubstitution: {sorted(used - given)}")
    if given - used:
        raise CheckFailed(f"DefinitionSubstitutions never used: {sorted(given - used)}")


def fill(text: str, values: dict[str, str]) -> Json:
    filled = PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
    loaded: Json = json.loads(filled)
    return loaded


# ------------------------------------------------------------------ 2. structure
def targets(state: Json) -> Iterator[str]:
    """Yield the names of the states this state can go to."""
    if "Next" in state:
        yield state["Next"]
    if "Default" in state:
        yield state["Default"]
    for choice in state.get("Choices", []):
        yield choice["Next"]
    for catcher in state.get("Catch", []):
        yield catcher["Next"]


def check_scope(where: str, scope: Json) -> None:
    states: Json = scope.get("States", {})
    if scope.get("StartAt") not in states:
        raise CheckFailed(f"{where}: StartAt {scope.get('StartAt')!r} is not one of its States")
    for name, state in states.items():
        here = f"{where}.{name}"
        kind = state.get("Type")
        if kind not in STATE_TYPES:
            raise CheckFailed(f"{here}: unknown Type {kind!r}")
        for target in targets(state):
            if target not in states:
                raise CheckFailed(f"{here}: goes to {target!r}, not a state of this scope")
        terminal = kind in {"Choice", "Succeed", "Fail"}
        if not terminal and ("Next" in state) == bool(state.get("End")):
            raise CheckFailed(f"{here}: needs exactly one of Next and End")
        for retrier in state.get("Retry", []):
            if not retrier.get("ErrorEquals"):
                raise CheckFailed(f"{here}: a Retry without ErrorEquals")
            if retrier.get("JitterStrategy", "NONE") not in JITTER:
                raise CheckFailed(f"{here}: JitterStrategy must be one of {sorted(JITTER)}")
        for catcher in state.get("Catch", []):
            if not catcher.get("ErrorEquals"):
                raise CheckFailed(f"{here}: a Catch without ErrorEquals")
        if kind == "Choice" and not state.get("Choices"):
            raise CheckFailed(f"{here}: a Choice without Choices")
        if kind == "Map":
            processor = state.get("ItemProcessor") or state.get("Iterator")
            if processor is None:
                raise CheckFailed(f"{here}: a Map without ItemProcessor")
            check_scope(here, processor)
        for i, branch in enumerate(state.get("Branches", [])):
            check_scope(f"{here}[{i}]", branch)
    reached, todo = set(), [scope["StartAt"]]
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo.extend(targets(states[name]))
    if unreachable := sorted(set(states) - reached):
        raise CheckFailed(f"{where}: unreachable states {unreachable}")


# ------------------------------------------------------------------- 3. cfn-lint
def check_schema(definition: Json) -> None:
    from cfnlint.api import lint_all

    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "states.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    }
                },
            },
            "StateMachine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Definition": definition,
                },
            },
        },
    }
    # Errors and warnings, as the cfn-lint command line reports them by default.
    matches = [m for m in lint_all(json.dumps(template, indent=1)) if m.rule.id[0] in "EW"]
    if matches:
        raise CheckFailed("cfn-lint: " + "; ".join(str(m) for m in matches))


# -------------------------------------------------------------------- 4. execute
Handler = Callable[[str, Json], Json]


class FunctionError(Exception):
    """Raised by a fake handler: becomes a Lambda function error (errorType = name)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


class ThrottledError(Exception):
    """Raised by a fake handler: becomes Lambda's 429 TooManyRequestsException."""


def execute(
    definition: Json,
    handler: Handler,
    execution_input: Json,
    failing_jobs: frozenset[str] = frozenset(),
    glue_busy_once: bool = False,
) -> tuple[Json, list[str]]:
    """Run the definition in moto; every Lambda invocation goes to ``handler(name, event)``.

    Glue job runs (``glue:startJobRun.sync``) are moto's: they succeed, except those of
    ``failing_jobs``; ``glue_busy_once`` refuses the first start (ConcurrentRunsExceeded).
    Every invocation and job start is recorded in the returned call list, in order.
    """
    import boto3
    from moto import mock_aws
    from moto.awslambda.exceptions import LambdaClientError
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.glue.exceptions import ConcurrentRunsExceededException
    from moto.glue.models import FakeJob
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        resource,
        state_task_service_glue,
    )

    # moto 5.2.5's .sync path ends by interrupting a callback endpoint that it only
    # creates for tasks that support .waitForTaskToken; Glue's do not, so every
    # glue:startJobRun.sync failed with "'NoneType' object has no attribute
    # 'interrupt_all'". Letting Glue's tasks have the endpoint works around it (moto
    # only; the definition is unchanged).
    state_task_service_glue._SUPPORTED_INTEGRATION_PATTERNS.add(
        resource.ResourceCondition.WaitForTaskToken
    )

    class Throttled(LambdaClientError):
        code = 429

        def __init__(self) -> None:
            super().__init__("TooManyRequestsException", "Rate Exceeded.")

    calls: list[str] = []

    def invoke(
        self: Any,
        function_name: str,
        qualifier: Any,
        body: Any,
        headers: Any,
        response_headers: Any,
    ) -> bytes:
        name = function_name.rsplit(":", 1)[-1]
        event = json.loads(body or "{}")
        calls.append(f"{name}:{event['zone']}" if name == "transform" else name)
        try:
            result = handler(name, event)
        except FunctionError as error:
            response_headers["x-amz-function-error"] = "Unhandled"
            result = {"errorType": error.error_type, "errorMessage": str(error)}
        except ThrottledError:
            raise Throttled() from None
        return json.dumps(result).encode()

    busy: list[bool] = []
    original_start, original_get = FakeJob.start_job_run, FakeJob.get_job_run

    def start_job_run(self: Any, *args: Any, **kwargs: Any) -> str:
        calls.append(f"glue:{self.name}")
        if glue_busy_once and not busy:
            busy.append(True)
            raise ConcurrentRunsExceededException(f"Job with name {self.name} already running")
        return original_start(self, *args, **kwargs)

    def get_job_run(self: Any, run_id: str) -> Any:
        run = original_get(self, run_id)
        if self.name in failing_jobs:
            run.status = "FAILED"
        return run

    # moto logs every failed state at ERROR; the failures here are on purpose.
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    original = LambdaSimpleBackend.invoke
    LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]
    FakeJob.start_job_run = start_job_run  # type: ignore[method-assign]
    FakeJob.get_job_run = get_job_run  # type: ignore[method-assign]
    try:
        config: Any = {
            "stepfunctions": {"execute_state_machine": True},
            "lambda": {"use_docker": False},
        }
        with mock_aws(config=config):
            iam = boto3.client("iam", region_name=REGION)
            role = iam.create_role(RoleName="sfn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
            aws_lambda = boto3.client("lambda", region_name=REGION)
            glue = boto3.client("glue", region_name=REGION)
            for job in ("trusted", "refined"):
                glue.create_job(
                    Name=job,
                    Role=role,
                    Command={"Name": "glueetl", "ScriptLocation": f"s3://a/{job}.py"},
                    GlueVersion="5.0",
                    ExecutionProperty={"MaxConcurrentRuns": 1},
                )
            for name in ("plan", "shard", "commit", "transform"):
                aws_lambda.create_function(
                    FunctionName=name,
                    Runtime="python3.12",
                    Role=role,
                    Handler=f"tmdb_lake.aws_lambda.{name}_handler",
                    Code={"ZipFile": b"unused"},
                )
            sfn = boto3.client("stepfunctions", region_name=REGION)
            machine = sfn.create_state_machine(
                name="tmdb-lake", definition=json.dumps(definition), roleArn=role
            )["stateMachineArn"]
            execution = sfn.start_execution(
                stateMachineArn=machine, input=json.dumps(execution_input)
            )["executionArn"]
            deadline = time.monotonic() + 60
            while (described := sfn.describe_execution(executionArn=execution))[
                "status"
            ] == "RUNNING":
                if time.monotonic() > deadline:
                    raise CheckFailed("execution still running after 60 s")
                time.sleep(0.05)
            return dict(described), calls
    finally:
        LambdaSimpleBackend.invoke = original  # type: ignore[method-assign]
        FakeJob.start_job_run = original_start  # type: ignore[method-assign]
        FakeJob.get_job_run = original_get  # type: ignore[method-assign]


def fake_lake(
    invocations_needed: dict[int, int],
    fail_shard: int | None = None,
    throttle_once: bool = False,
    upstream_once: int | None = None,
) -> tuple[Handler, Json]:
    """Fake handlers honouring the aws_lambda contract; returns them and what they saw."""
    seen: Json = {"plan_event": None, "commit_event": None, "shard_calls": {}}
    throttled: list[bool] = []
    flaked: list[bool] = []

    def handler(name: str, event: Json) -> Json:
        if name == "plan":
            seen["plan_event"] = event
            run = {"run_id": "r-1", "run_key": "k-1", "date": event.get("date", "2024-05-01")}
            shards = [{"kind": "details", "index": i} for i in sorted(invocations_needed)]
            return {"run": run, "shards": shards, "shards_key": "raw/TMDB/_staging/k-1/shards.json"}
        if name == "shard":
            if set(event) - {"run", "shard", "complete"}:
                raise FunctionError("BadInput", f"unexpected keys {sorted(event)}")
            index = event["shard"]["index"]
            if throttle_once and not throttled:
                throttled.append(True)
                raise ThrottledError
            if index == upstream_once and not flaked:
                flaked.append(True)
                raise FunctionError("UpstreamError", "TMDB answered 503 after every retry")
            if index == fail_shard:
                raise FunctionError("AuthError", "TMDB rejected the credential")
            count = seen["shard_calls"][index] = seen["shard_calls"].get(index, 0) + 1
            done = count >= invocations_needed[index]
            return {"run": event["run"], "shard": event["shard"], "complete": done}
        if name == "transform":
            return {"zone": event["zone"], "built": ["2024-05-01"]}
        seen["commit_event"] = event
        return {
            "run_id": event["run"]["run_id"],
            "manifest": "raw/TMDB/_runs/x.json",
            "records": {},
        }

    return handler, seen


def filled(text: str, engine: str) -> Json:
    values = {
        "Partition": "aws",
        "PlanFunctionArn": FUNCTION_ARN + "plan",
        "ShardFunctionArn": FUNCTION_ARN + "shard",
        "CommitFunctionArn": FUNCTION_ARN + "commit",
        "TransformFunctionArn": FUNCTION_ARN + "transform",
        "TrustedJobName": "trusted",
        "RefinedJobName": "refined",
        "TransformEngine": engine,
        "MaxConcurrency": "2",
        "MaxShardInvocations": "4",
    }
    definition = fill(text, values)
    # Real backoff is seconds to minutes; here it only has to happen.
    for retrier in retriers(definition):
        retrier["IntervalSeconds"] = 1
        retrier["JitterStrategy"] = "NONE"
    return definition


def check_execution(text: str) -> None:
    definition = filled(text, "glue")
    # Shards needing 1, 3 and 2 invocations: all loop until complete, then commit, then
    # the trusted Glue job, then the refined one. One invocation is throttled by Lambda,
    # one fails with a transient error, and Glue refuses the first job start (a run still
    # going): all three are retried.
    handler, seen = fake_lake({0: 1, 1: 3, 2: 2}, throttle_once=True, upstream_once=2)
    result, calls = execute(definition, handler, {"date": "2024-05-01"}, glue_busy_once=True)
    expect(result["status"] == "SUCCEEDED", f"expected SUCCEEDED, got {result}")
    expect(seen["plan_event"] == {"date": "2024-05-01"}, "plan gets the execution input")
    expect(seen["shard_calls"] == {0: 1, 1: 3, 2: 2}, f"shard calls {seen['shard_calls']}")
    expect(calls.count("shard") == 8, f"6 + 1 throttled + 1 transient error, got {calls}")
    commit = seen["commit_event"]
    expect(set(commit) == {"run"}, f"commit input keys {sorted(commit)}")
    expect(commit["run"]["run_id"] == "r-1", "commit gets the plan's run")
    stages = [c for c in calls if c.startswith(("commit", "glue:", "transform"))]
    expected = ["commit", "glue:trusted", "glue:trusted", "glue:refined"]
    expect(stages == expected, f"commit, trusted (refused once), refined: got {stages}")
    output = json.loads(result["output"])
    expect(output["ingest"]["manifest"] == "raw/TMDB/_runs/x.json", f"output {output}")
    expect(output["trusted"]["state"] == "SUCCEEDED", f"trusted job run {output['trusted']}")
    expect(output["refined"]["engine"] == "glue", f"refined {output['refined']}")

    # The same chain with TransformEngine=lambda: the transform function, zone by zone.
    handler, seen = fake_lake({0: 1})
    result, calls = execute(filled(text, "lambda"), handler, {})
    expect(result["status"] == "SUCCEEDED", f"expected SUCCEEDED, got {result}")
    stages = [c for c in calls if c.startswith(("commit", "glue:", "transform"))]
    expected = ["commit", "transform:trusted", "transform:refined"]
    expect(stages == expected, f"lambda engine: {stages}")
    output = json.loads(result["output"])
    expect(output["trusted"]["summary"]["zone"] == "trusted", f"output {output}")

    # A trusted job run that fails stops the chain there, naming the stage.
    handler, seen = fake_lake({0: 1})
    result, calls = execute(definition, handler, {}, failing_jobs=frozenset({"trusted"}))
    expect(result["status"] == "FAILED", f"expected FAILED, got {result['status']}")
    expect(result.get("error") == "TmdbLake.TrustedFailed", f"error {result.get('error')}")
    expect("States.TaskFailed" in result.get("cause", ""), f"cause {result.get('cause')}")
    expect("glue:refined" not in calls, f"no refined job after a failed trusted one: {calls}")

    # A shard that never completes stops at MaxShardInvocations: nothing commits.
    handler, seen = fake_lake({0: 1, 1: 99})
    result, calls = execute(definition, handler, {})
    expect(result["status"] == "FAILED", f"expected FAILED, got {result['status']}")
    expect(result.get("error") == "TmdbLake.IngestFailed", f"error {result.get('error')}")
    expect(
        result.get("cause", "").startswith("TmdbLake.ShardInvocationCap: "),
        f"cause {result.get('cause')}",
    )
    expect(seen["shard_calls"][1] == 4, f"loop cap 4, got {seen['shard_calls']}")
    expect("commit" not in calls, "no commit after a failed shard")

    # A handler error is not retried: the ingest stage fails, naming the error's type.
    handler, seen = fake_lake({0: 1, 1: 1}, fail_shard=1)
    result, calls = execute(definition, handler, {})
    expect(result["status"] == "FAILED", f"expected FAILED, got {result['status']}")
    expect(result.get("error") == "TmdbLake.IngestFailed", f"error {result.get('error')}")
    expect(result.get("cause", "").startswith("AuthError: "), f"cause {result.get('cause')}")
    expect(calls.count("shard") == 2 and "commit" not in calls, f"calls {calls}")
    expect(not any(c.startswith("glue:") for c in calls), f"no transform: {calls}")


def retriers(node: Any) -> Iterator[Json]:
    if isinstance(node, dict):
        yield from node.get("Retry", [])
        for value in node.values():
            yield from retriers(value)
    elif isinstance(node, list):
        for value in node:
            yield from retriers(value)


def expect(ok: bool, message: str) -> None:
    if not ok:
        raise CheckFailed(message)


def main(argv: list[str]) -> int:
    asl = Path(argv[0]) if argv else HERE / "statemachine.asl.json"
    template = Path(argv[1]) if len(argv) > 1 else HERE / "template.yaml"
    text = asl.read_text(encoding="utf-8")
    checks: list[tuple[str, Callable[[], None]]] = [
        ("parses as JSON", lambda: json.loads(text) and None),
        ("placeholders match DefinitionSubstitutions", lambda: check_placeholders(text, template)),
        ("well formed", lambda: check_scope("States", fill(text, dummy_values(text)))),
        ("cfn-lint Step Functions schema", lambda: check_schema(fill(text, dummy_values(text)))),
        (
            "executes in moto (ingest loop, cap, retries, both engines, stage failures)",
            lambda: check_execution(text),
        ),
    ]
    for name, check in checks:
        try:
            check()
        except (CheckFailed, json.JSONDecodeError, KeyError, TypeError) as error:
            print(f"  {asl.name}: {name}: FAILED: {type(error).__name__}: {error}", file=sys.stderr)
            return 1
        print(f"  {asl.name}: {name}: ok")
    return 0


def dummy_values(text: str) -> dict[str, str]:
    # Numbers stand where a number is needed (inside States.StringToJson).
    return {
        name: "2"
        if name.startswith("Max")
        else f"{FUNCTION_ARN}{name}"
        if "Arn" in name
        else "aws"
        if name == "Partition"
        else "glue"
        for name in PLACEHOLDER.findall(text)
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
