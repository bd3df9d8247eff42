#!/usr/bin/env python3
"""Checks the GitHub Actions workflows (.github/workflows/*.yml) before GitHub runs them: each
file is YAML with triggers and jobs; each job names its runner and has steps, each step either
`uses` a pinned action or `run`s a command; every CMake preset a command names exists, is of the
kind the command wants and is available on the job's runner (its `condition` on hostSystemName);
every ./scripts/ file a command runs exists and is executable. Registered by tests/CMakeLists.txt
as VisualStudioProjects.WorkflowsParse when Python has the yaml module (Debian: python3-yaml).

    python3 tests/vs/check_workflows.py <repository root>
"""
import json
import os
import re
import sys

import yaml


def preset_hosts(presets, kind):
    """Preset name -> the host systems it is available on (None: any), for one preset kind."""
    by_name = {p["name"]: p for p in presets.get(kind, [])}
    configure = {p["name"]: p for p in presets.get("configurePresets", [])}

    def condition_of(preset, table):
        while preset is not None:
            if "condition" in preset:
                return preset["condition"]
            parents = preset.get("inherits", [])
            parents = [parents] if isinstance(parents, str) else parents
            preset = table.get(parents[0]) if parents else None
        return None

    hosts = {}
    for name, preset in by_name.items():
        condition = condition_of(preset, by_name)
        if condition is None and kind != "configurePresets":
            condition = condition_of(configure.get(preset.get("configurePreset")), configure)
        if condition is None:
            hosts[name] = None
        elif condition.get("type") == "equals" and condition.get("lhs") == "${hostSystemName}":
            hosts[name] = {condition["rhs"]}
        else:
            hosts[name] = None
    return hosts


def runner_system(job):
    if "container" in job:
        return "Linux"
    runs_on = str(job.get("runs-on", ""))
    if runs_on.startswith("windows"):
        return "Windows"
    if runs_on.startswith("ubuntu"):
        return "Linux"
    if runs_on.startswith("macos"):
        return "Darwin"
    return None


def main(root):
    errors = []
    workflow_dir = os.path.join(root, ".github", "workflows")
    files = []
    if os.path.isdir(workflow_dir):
        files = sorted(f for f in os.listdir(workflow_dir) if f.endswith((".yml", ".yaml")))
    if not files:
        errors.append(".github/workflows: no workflow files")
    with open(os.path.join(root, "CMakePresets.json"), encoding="utf-8") as f:
        presets = json.load(f)
    kinds = {
        "configure": preset_hosts(presets, "configurePresets"),
        "build": preset_hosts(presets, "buildPresets"),
        "test": preset_hosts(presets, "testPresets"),
    }
    for name in files:
        where = f".github/workflows/{name}"
        try:
            with open(os.path.join(workflow_dir, name), encoding="utf-8") as f:
                workflow = yaml.safe_load(f)
        except yaml.YAMLError as e:
            errors.append(f"{where}: not YAML: {e}")
            continue
        if not isinstance(workflow, dict):
            errors.append(f"{where}: not a mapping")
            continue
        # YAML 1.1 reads the key `on` as true.
        if "on" not in workflow and True not in workflow:
            errors.append(f"{where}: no `on` (triggers)")
        jobs = workflow.get("jobs")
        if not isinstance(jobs, dict) or not jobs:
            errors.append(f"{where}: no jobs")
            continue
        for job_id, job in jobs.items():
            at = f"{where}: job {job_id}"
            if not isinstance(job, dict) or "runs-on" not in job:
                errors.append(f"{at}: no runs-on")
                continue
            system = runner_system(job)
            steps = job.get("steps")
            if not isinstance(steps, list) or not steps:
                errors.append(f"{at}: no steps")
                continue
            for i, step in enumerate(steps, 1):
                step_at = f"{at}, step {i}"
                if not isinstance(step, dict) or ("uses" in step) == ("run" in step):
                    errors.append(f"{step_at}: needs exactly one of `uses` and `run`")
                    continue
                if "uses" in step and not re.fullmatch(r"[\w.-]+/[\w./-]+@[\w.-]+", step["uses"]):
                    errors.append(f"{step_at}: `uses: {step['uses']}` is not owner/repo@version")
                command = step.get("run", "")
                for tool, build, preset in re.findall(
                        r"\b(cmake|ctest)\s+(--build\s+)?--preset[ =]([\w.-]+)", command):
                    kind = "test" if tool == "ctest" else "build" if build else "configure"
                    hosts = kinds[kind]
                    if preset not in hosts:
                        errors.append(f"{step_at}: no {kind} preset {preset} in CMakePresets.json")
                    elif hosts[preset] is not None and system not in hosts[preset]:
                        errors.append(f"{step_at}: {kind} preset {preset} is for "
                                      f"{'/'.join(sorted(hosts[preset]))}, not this {system} runner")
                for script in re.findall(r"\./(scripts/[\w./-]+)", command):
                    path = os.path.join(root, script)
                    if not os.path.isfile(path) or not os.access(path, os.X_OK):
                        errors.append(f"{step_at}: ./{script} is missing or not executable")
    if errors:
        print(f"{len(errors)} problem(s) in the workflows:", *errors, sep="\n  ")
        return 1
    print(f"{len(files)} workflow(s) checked")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
