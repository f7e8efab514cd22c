#!/usr/bin/env bash
# Lint the deployment: the Step Functions definition (JSON, structure, cfn-lint's
# schema, and a run in moto's interpreter with fake handlers), then the SAM
# template (cfn-lint, sam validate --lint).
#
# The tools live in .venv-deploy, apart from the project's own environment,
# because aws-sam-cli pins its own boto3/click. The first run installs them
# (PyPI); after that nothing touches the network, and pip is skipped while the
# pinned versions are installed. Exits non-zero if any check fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="${DEPLOY_VENV:-$ROOT/.venv-deploy}"
PYTHON="${DEPLOY_PYTHON:-python3}"
# Pinned so CI is repeatable; changing a pin makes the next run reinstall (stamp).
REQUIREMENTS=("aws-sam-cli==1.170.0" "cfn-lint==1.58.0" "moto[stepfunctions,glue]==5.2.5")
STAMP="$VENV/.deploy-lint-requirements"

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "deploy-lint: creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
if [[ "$(cat "$STAMP" 2>/dev/null)" != "${REQUIREMENTS[*]}" ]]; then
  echo "deploy-lint: installing ${REQUIREMENTS[*]}"
  "$VENV/bin/python" -m pip install -qq --disable-pip-version-check "${REQUIREMENTS[@]}"
  printf '%s' "${REQUIREMENTS[*]}" >"$STAMP"
fi

# sam and cfn-lint never call AWS here, but botocore wants a region and
# credentials to exist; these are dummies so no real profile is ever read.
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE
# No telemetry: it would try the network.
export SAM_CLI_TELEMETRY=0

failures=0
step() {
  local name="$1"
  shift
  echo "deploy-lint: $name"
  if ! "$@"; then
    echo "deploy-lint: FAILED: $name" >&2
    failures=$((failures + 1))
  fi
}

step "state machine definition" "$VENV/bin/python" deploy/check_statemachine.py \
  deploy/statemachine.asl.json deploy/template.yaml
step "cfn-lint deploy/template.yaml" "$VENV/bin/cfn-lint" deploy/template.yaml
step "sam validate --lint" "$VENV/bin/sam" validate --lint \
  --template-file deploy/template.yaml --region us-east-1

if ((failures > 0)); then
  echo "deploy-lint: $failures check(s) failed" >&2
  exit 1
fi
echo "deploy-lint: all checks passed"
